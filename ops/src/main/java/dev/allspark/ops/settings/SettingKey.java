package dev.allspark.ops.settings;

/**
 * One setting of a service: its environment variable (containers, Helm), its command-line flag (a
 * flag wins over the variable), its default ({@code null}: required or computed, as {@code doc}
 * says) and what it means. Made by {@link SettingTable#add}.
 */
public record SettingKey(String env, String flag, String defaultValue, String doc)
    implements SettingName {
  @Override
  public SettingKey key() {
    return this;
  }

  /** How messages name the setting: {@code --flag / ENV}. */
  @Override
  public String label() {
    return flag + " / " + env;
  }
}
