package io.vecdb.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs Debian's python3-hnswlib on the same data through {@code bench/hnswlib_peer.py}: the data
 * goes through a temporary little-endian binary file; the script's JSON lines come back on stdout.
 */
final class HnswlibPeer {
  private HnswlibPeer() {}

  /** Failure of the peer run, with its exit status and the tail of its stderr. */
  static final class PeerFailed extends Exception {
    PeerFailed(String message) {
      super(message);
    }
  }

  /** Runs the Python peer; each JSON line it prints is handed to {@code lines} as it arrives. */
  static void run(BenchOptions o, Dataset data, int[] gt, Consumer<String> lines)
      throws IOException, InterruptedException, PeerFailed {
    run(o, data, gt, lines, false);
  }

  /**
   * Runs Debian's Python binding ({@code nativeBuild} false) or a driver compiled here from the
   * hnswlib headers in {@code --hnswlib-src} with {@code -O3 -march=native} ({@code
   * bench/hnswlib_native_peer.cpp}): same data file, same flags, same JSON lines.
   */
  static void run(
      BenchOptions o, Dataset data, int[] gt, Consumer<String> lines, boolean nativeBuild)
      throws IOException, InterruptedException, PeerFailed {
    Path dir = Files.createTempDirectory("vecdb-bench-peer");
    Path script = dir.resolve(nativeBuild ? "hnswlib_native_peer.cpp" : "hnswlib_peer.py");
    Path binary = dir.resolve("hnswlib_native_peer");
    Path file = dir.resolve("data.bin");
    try {
      String resource = "/bench/" + script.getFileName();
      try (InputStream in = HnswlibPeer.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new PeerFailed("resource " + resource + " is missing from the class path");
        }
        Files.copy(in, script);
      }
      List<String> cmd = new ArrayList<>();
      if (nativeBuild) {
        compile(script, binary, includeDir(o.hnswlibSrc()));
        cmd.add(binary.toString());
      } else {
        cmd.add(o.python());
        cmd.add(script.toString());
      }
      writeData(file, data, gt, o.k());
      cmd.add(file.toString());
      cmd.addAll(
          List.of(
              "--dataset",
              data.name(),
              "--m",
              Integer.toString(o.m()),
              "--ef-construction",
              Integer.toString(o.efConstruction()),
              "--ef",
              join(o.efs()),
              "--build-threads",
              Integer.toString(o.buildThreads()),
              "--search-threads",
              Integer.toString(o.searchThreads()),
              "--space",
              switch (o.distance()) {
                case COSINE -> "cosine";
                case DOT -> "ip";
                default -> "l2";
              }));
      Process p;
      try {
        p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
      } catch (IOException e) {
        throw new PeerFailed("cannot start " + o.python() + " (set --python): " + e.getMessage());
      }
      // stderr is drained on its own thread so a chatty peer cannot block on a full pipe.
      StringBuilder err = new StringBuilder();
      Thread errReader =
          Thread.ofPlatform()
              .name("hnswlib-peer-stderr")
              .start(
                  () -> {
                    try (BufferedReader r =
                        new BufferedReader(
                            new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                      for (String line; (line = r.readLine()) != null; ) {
                        synchronized (err) {
                          err.append(line).append('\n');
                        }
                      }
                    } catch (IOException ignored) {
                      // the process ended; what was read is reported below
                    }
                  });
      try (BufferedReader r =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          if (line.startsWith("{")) {
            lines.accept(line);
          } else {
            synchronized (err) {
              err.append(line).append('\n');
            }
          }
        }
      }
      int status = p.waitFor();
      errReader.join();
      if (status != 0) {
        String tail;
        synchronized (err) {
          tail = err.length() > 4000 ? err.substring(err.length() - 4000) : err.toString();
        }
        throw new PeerFailed("hnswlib peer exited with status " + status + ":\n" + tail.strip());
      }
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(script);
      Files.deleteIfExists(binary);
      Files.deleteIfExists(dir);
    }
  }

  /**
   * The directory to put on the include path for {@code src}: {@code src} itself if it holds {@code
   * hnswlib/hnswlib.h} (a source tree's root, or {@code /usr/include}), its parent if it is the
   * {@code hnswlib} directory.
   */
  static Path includeDir(String src) throws PeerFailed {
    Path p = Path.of(src);
    if (Files.isRegularFile(p.resolve("hnswlib").resolve("hnswlib.h"))) {
      return p;
    }
    if (Files.isRegularFile(p.resolve("hnswlib.h")) && p.toAbsolutePath().getParent() != null) {
      return p.toAbsolutePath().getParent();
    }
    throw new PeerFailed(
        "--hnswlib-src "
            + src
            + ": no hnswlib/hnswlib.h there (point it at an hnswlib source tree, or install the"
            + " Debian package libhnswlib-dev for /usr/include)");
  }

  /** {@code g++ -O3 -march=native} of the driver against the headers under {@code include}. */
  private static void compile(Path source, Path binary, Path include)
      throws IOException, InterruptedException, PeerFailed {
    String cxx = System.getenv().getOrDefault("CXX", "g++");
    List<String> cmd =
        List.of(
            cxx,
            "-O3",
            "-march=native",
            "-std=c++17",
            "-pthread",
            "-I" + include,
            "-o",
            binary.toString(),
            source.toString());
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new PeerFailed("cannot start " + cxx + " (set CXX, or install g++): " + e.getMessage());
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      String tail = output.length() > 4000 ? output.substring(output.length() - 4000) : output;
      throw new PeerFailed(String.join(" ", cmd) + " failed:\n" + tail.strip());
    }
  }

  private static void writeData(Path file, Dataset d, int[] gt, int k) throws IOException {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer head = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
      head.putInt(d.n()).putInt(d.nq()).putInt(d.dim()).putInt(k).flip();
      writeAll(ch, head);
      ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
      writeFloats(ch, buf, d.train(), d.n() * d.dim());
      writeFloats(ch, buf, d.test(), d.nq() * d.dim());
      for (int off = 0; off < gt.length; ) {
        int len = Math.min(buf.capacity() / 4, gt.length - off);
        buf.clear();
        buf.asIntBuffer().put(gt, off, len);
        buf.limit(len * 4);
        writeAll(ch, buf);
        off += len;
      }
    }
  }

  private static void writeFloats(FileChannel ch, ByteBuffer buf, float[] a, int count)
      throws IOException {
    for (int off = 0; off < count; ) {
      int len = Math.min(buf.capacity() / 4, count - off);
      buf.clear();
      buf.asFloatBuffer().put(a, off, len);
      buf.limit(len * 4);
      writeAll(ch, buf);
      off += len;
    }
  }

  private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  private static String join(int[] xs) {
    StringBuilder sb = new StringBuilder();
    for (int x : xs) {
      if (!sb.isEmpty()) {
        sb.append(',');
      }
      sb.append(x);
    }
    return sb.toString();
  }
}
