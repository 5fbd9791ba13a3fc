package dev.allspark.testkit;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds calls of DJL's {@code Number}-argument array ops ({@code NDArray.mul(Number)}, {@code
 * div(Number)}, {@code maximum(Number)}, ...) in compiled classes, by reading the method references
 * of each class file's constant pool. Those ops wrap the number in a tensor whose memory libtorch
 * does not own and close it right after the op, so a backward pass that saved it reads freed memory
 * (see {@code model/README.md}); gradient code must use {@code dev.allspark.model.Scalar}.
 *
 * <p>Reading bytecode rather than source text sees through formatting, chained calls and variables
 * of any name, and needs no library: a class file's constant pool lists every method it calls.
 */
public final class NumberOperandScan {
  private NumberOperandScan() {}

  /** A call of a {@code Number}-argument op: where, and which. */
  public record Call(String inClass, String owner, String method, String descriptor) {
    @Override
    public String toString() {
      return inClass + " calls " + owner.replace('/', '.') + "." + method + descriptor;
    }
  }

  /** Every such call in the {@code .class} files under {@code dir} (recursively). */
  public static List<Call> scanTree(Path dir) throws IOException {
    List<Call> calls = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
        calls.addAll(scan(file));
      }
    }
    return calls;
  }

  /** Every such call in one class file. */
  public static List<Call> scan(Path classFile) throws IOException {
    try (InputStream in = Files.newInputStream(classFile)) {
      return scan(classFile.getFileName().toString(), in);
    }
  }

  static List<Call> scan(String name, InputStream stream) throws IOException {
    DataInputStream in = new DataInputStream(stream);
    if (in.readInt() != 0xCAFEBABE) {
      throw new IOException(name + " is not a class file");
    }
    in.readUnsignedShort(); // minor version
    in.readUnsignedShort(); // major version
    int count = in.readUnsignedShort();
    String[] utf8 = new String[count];
    int[] classNames = new int[count];
    int[][] refs = new int[count][]; // {class index, name-and-type index} of method references
    int[][] nameAndTypes = new int[count][];
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 1 -> utf8[i] = in.readUTF();
        case 3, 4 -> in.readInt();
        case 5, 6 -> {
          in.readLong();
          i++; // 8-byte constants take two slots
        }
        case 7 -> classNames[i] = in.readUnsignedShort();
        case 8, 16, 19, 20 -> in.readUnsignedShort();
        case 9, 17, 18 -> in.readInt();
        case 10, 11 -> refs[i] = new int[] {in.readUnsignedShort(), in.readUnsignedShort()};
        case 12 -> nameAndTypes[i] = new int[] {in.readUnsignedShort(), in.readUnsignedShort()};
        case 15 -> {
          in.readUnsignedByte();
          in.readUnsignedShort();
        }
        default -> throw new IOException(name + ": unknown constant pool tag " + tag);
      }
    }
    List<Call> calls = new ArrayList<>();
    for (int[] ref : refs) {
      if (ref == null) {
        continue;
      }
      String owner = utf8[classNames[ref[0]]];
      int[] nat = nameAndTypes[ref[1]];
      String method = utf8[nat[0]];
      String descriptor = utf8[nat[1]];
      if (owner.startsWith("ai/djl/")
          && owner.endsWith("NDArray")
          && descriptor.contains("Ljava/lang/Number;")) {
        calls.add(new Call(name, owner, method, descriptor));
      }
    }
    return calls;
  }
}
