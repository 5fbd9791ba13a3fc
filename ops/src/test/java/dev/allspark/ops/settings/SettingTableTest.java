package dev.allspark.ops.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SettingTableTest {
  enum Names implements SettingName {
    BOOTSTRAP,
    STATE_DIR,
    PINNED,
    TOKEN
  }

  static final SettingTable TABLE =
      SettingTable.of(
          "svc",
          "SVC",
          Names.class,
          """
          STATE_DIR  state  where the state is
                            kept (a volume)
          PINNED     ""     versions never removed
          TOKEN      -      the shared token
          """);

  @Test
  void rowsGiveEachNameItsVariableFlagDefaultAndMeaningInTheEnumsOrder() {
    assertThat(TABLE.keys())
        .extracting(SettingKey::env)
        .containsExactly("ALLSPARK_BOOTSTRAP", "SVC_STATE_DIR", "SVC_PINNED", "SVC_TOKEN");
    assertThat(Names.STATE_DIR.flag()).isEqualTo("--state-dir");
    assertThat(Names.STATE_DIR.defaultValue()).isEqualTo("state");
    // a line that starts with a blank continues the meaning above it
    assertThat(Names.STATE_DIR.doc()).isEqualTo("where the state is kept (a volume)");
    assertThat(Names.PINNED.defaultValue()).isEmpty();
    assertThat(Names.TOKEN.defaultValue()).isNull();
    assertThat(Names.TOKEN.label()).isEqualTo("--token / SVC_TOKEN");
    assertThat(Names.BOOTSTRAP.doc()).contains("Kafka bootstrap servers");
    // read and built by name, as a service does
    SettingValues values = new SettingValues(java.util.Map.of("SVC_TOKEN", " abc "));
    assertThat(values.text(Names.TOKEN)).isEqualTo("abc");
    assertThat(values.text(Names.STATE_DIR)).isEqualTo("state");
  }

  enum Two implements SettingName {
    A,
    B
  }

  @Test
  void aNameWithoutARowOrARowWithoutANameOrTwoRowsOfOneNameFailNamingIt() {
    assertThatThrownBy(() -> SettingTable.of("svc", "SVC", Two.class, "A  1  one\n"))
        .hasMessage("svc: setting B has no row");
    assertThatThrownBy(
            () -> SettingTable.of("svc", "SVC", Two.class, "A  1  one\nB  2  two\nC  3  three\n"))
        .hasMessage("svc: rows without a constant in Two: [C]");
    assertThatThrownBy(() -> SettingTable.of("svc", "SVC", Two.class, "A  1  one\nA  2  two\n"))
        .hasMessage("svc: setting A has two rows");
    assertThatThrownBy(() -> SettingTable.of("svc", "SVC", Two.class, "A  1\nB  2  two\n"))
        .hasMessageContaining("a row needs a name, a default and a meaning: A  1");
    assertThatThrownBy(() -> SettingTable.of("svc", "SVC", Two.class, "  more\nA 1 one\n"))
        .hasMessageContaining("a continuation before any row");
  }

  /** A table whose enum may be used before the class that holds the table is initialized. */
  static final class Holder {
    enum Late implements SettingName {
      X
    }

    static final SettingTable TABLE = SettingTable.of("late", "LATE", Late.class, "X  1  x\n");
  }

  @Test
  void aConstantUsedBeforeItsTableIsMadeFindsItByInitializingTheClassThatHoldsIt() {
    assertThat(Holder.Late.X.env()).isEqualTo("LATE_X");
    assertThat(Holder.TABLE.get(Holder.Late.X).defaultValue()).isEqualTo("1");
  }
}
