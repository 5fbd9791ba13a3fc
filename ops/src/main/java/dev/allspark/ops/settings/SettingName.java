package dev.allspark.ops.settings;

/**
 * A setting as code names it: a constant of a service's {@code Key} enum, whose row (default and
 * meaning) is in the service's {@link SettingTable}; or a {@link SettingKey} itself. Everything
 * that reads, builds or reports a setting takes one.
 */
public interface SettingName {
  /**
   * The setting's variable, flag, default and meaning: for an enum constant, its row in the table
   * made from its enum ({@link SettingTable#of}).
   */
  default SettingKey key() {
    return SettingTable.keyOf((Enum<?>) this);
  }

  default String env() {
    return key().env();
  }

  default String flag() {
    return key().flag();
  }

  default String defaultValue() {
    return key().defaultValue();
  }

  default String doc() {
    return key().doc();
  }

  /** How messages name the setting: {@code --flag / ENV}. */
  default String label() {
    return key().label();
  }
}
