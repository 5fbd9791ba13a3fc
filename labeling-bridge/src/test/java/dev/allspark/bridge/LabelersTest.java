package dev.allspark.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allspark.bridge.cli.LabelersCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LabelersTest {
  @Test
  void aTokenIsKnownByItsHashOnlyAndNamesItsOwner(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("labelers");
    Files.write(
        file,
        List.of(
            "# comment",
            "",
            Labelers.line("alice-secret-1", "alice", false),
            Labelers.line("rita-secret-22", "rita", true)));
    assertThat(Files.readString(file)).doesNotContain("alice-secret-1").contains("sha256:");
    Labelers l = new Labelers(file, null);
    assertThat(l.identify("alice-secret-1")).isEqualTo(new Labelers.Identity("alice", false));
    assertThat(l.identify("rita-secret-22")).isEqualTo(new Labelers.Identity("rita", true));
    assertThat(l.identify("alice-secret-2")).isNull();
    assertThat(l.identify("")).isNull();
  }

  @Test
  void anEditIsSeenAtTheNextCallSoDeletingALineRevokes(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("labelers");
    Files.write(file, List.of(Labelers.line("bob-secret-123", "bob", false)));
    Labelers l = new Labelers(file, "shared-secret-9");
    assertThat(l.identify("bob-secret-123").name()).isEqualTo("bob");
    // the same size and (within the file system's resolution) the same time: the content differs
    Files.write(file, List.of(Labelers.line("bob-secret-124", "bob", false)));
    assertThat(l.identify("bob-secret-123")).isNull();
    assertThat(l.identify("bob-secret-124").name()).isEqualTo("bob");
    Files.write(file, List.of());
    assertThat(l.identify("bob-secret-124")).isNull();
    // the shared token is still known, and never a reviewer
    assertThat(l.identify("shared-secret-9"))
        .isEqualTo(new Labelers.Identity(Labelers.SHARED, false));
  }

  @Test
  void aBrokenFileIsRefusedAtStartNamingTheLineAndRefusesEveryoneAfterABadEdit(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("labelers");
    Files.write(file, List.of(Labelers.line("alice-secret-1", "alice", false), "alice"));
    assertThatThrownBy(() -> new Labelers(file, null))
        .hasMessageContaining("line 2")
        .hasMessageContaining("sha256:<64 hex digits> NAME [reviewer]");
    Files.write(file, List.of(Labelers.line("alice-secret-1", "alice", false)));
    Labelers l = new Labelers(file, null);
    Files.write(file, List.of(Labelers.line("alice-secret-1", "alice", false) + " admin"));
    assertThat(l.identify("alice-secret-1")).isNull(); // not the old list
    assertThatThrownBy(() -> new Labelers(null, null)).hasMessageContaining("labelers file");
  }

  @Test
  void theCommandAddsPrintsTheTokenOnceListsAndRevokes(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("labelers");
    String[] out = run("add", "--file", file.toString(), "--name", "alice");
    String token = out[0].strip();
    assertThat(token).hasSize(32);
    assertThat(out[1]).contains("shown only now");
    assertThat(Files.readString(file)).doesNotContain(token);
    run("add", "--file", file.toString(), "--name", "rita", "--reviewer");
    assertThat(run("list", "--file", file.toString())[0]).isEqualTo("alice\nrita reviewer\n");
    assertThat(run("add", "--file", file.toString(), "--name", "alice")[1]).contains("already in");
    Labelers l = new Labelers(file, null);
    assertThat(l.identify(token).name()).isEqualTo("alice");
    run("revoke", "--file", file.toString(), "--name", "alice");
    assertThat(l.identify(token)).isNull();
    assertThat(run("revoke", "--file", file.toString(), "--name", "alice")[1]).contains("not in");
    if (!System.getProperty("os.name").startsWith("Windows")) {
      assertThat(Files.getPosixFilePermissions(file))
          .containsExactlyInAnyOrder(
              java.nio.file.attribute.PosixFilePermission.OWNER_READ,
              java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    }
  }

  private static String[] run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new LabelersCommand());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    cli.execute(args);
    return new String[] {out.toString(), err.toString()};
  }
}
