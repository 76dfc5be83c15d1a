package io.vecdb.durability;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A VecDB server running as a separate JVM ({@code io.vecdb.Main serve}) on a data dir and a free
 * loopback port, for tests that must crash or restart a real process.
 *
 * <p>The child runs the {@code java} of this JVM ({@code java.home}) on this JVM's test classpath,
 * so it runs exactly the classes under test. Its stdout and stderr are appended to a log file that
 * {@link #logTail} shows when something fails; the log survives restarts on the same file.
 *
 * <p>{@link #start} returns only once {@code GET /readyz} answers 200 (polled, with a deadline), or
 * throws with the log's tail if the process exits or the deadline passes. {@link #kill} is SIGKILL
 * (checked through the exit status 137), {@link #stop} is SIGTERM and waits for the exit.
 *
 * <p>Threading: one test thread drives an instance; {@link #baseUri} may be read from any thread.
 */
public final class ServerProcess implements AutoCloseable {

  /** Exit status of a JVM killed by SIGKILL (128 + 9). */
  static final int SIGKILL_STATUS = 137;

  /** Exit status of a JVM that ended on SIGTERM without calling exit itself (128 + 15). */
  static final int SIGTERM_STATUS = 143;

  static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(90);

  /** How a server is started; {@code extraArgs} are appended after the standard flags. */
  public record Options(
      Path dataDir, Path logFile, String maxHeap, List<String> extraArgs, Duration readyTimeout) {
    public Options {
      extraArgs = List.copyOf(extraArgs);
    }

    public static Options of(Path dataDir, Path logFile) {
      return new Options(dataDir, logFile, "1g", List.of(), DEFAULT_READY_TIMEOUT);
    }
  }

  private final Options options;
  private final Process process;
  private final int port;
  private final URI baseUri;
  private final long readyNanos;

  private ServerProcess(Options options, Process process, int port, long readyNanos) {
    this.options = options;
    this.process = process;
    this.port = port;
    this.baseUri = URI.create("http://127.0.0.1:" + port + "/");
    this.readyNanos = readyNanos;
  }

  /**
   * Starts a server and waits until it is ready. A lost race for the free port (another process
   * took it between probing and binding) is retried on a new port, twice at most.
   */
  public static ServerProcess start(Options options) throws IOException, InterruptedException {
    Files.createDirectories(options.dataDir());
    Files.createDirectories(options.logFile().toAbsolutePath().getParent());
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      long logOffset = Files.exists(options.logFile()) ? Files.size(options.logFile()) : 0;
      int port = freePort();
      long t0 = System.nanoTime();
      Process process = launch(options, port);
      try {
        awaitReady(process, port, options, t0);
        return new ServerProcess(options, process, port, System.nanoTime() - t0);
      } catch (IOException e) {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        String newLog = readFrom(options.logFile(), logOffset);
        if (!newLog.contains("Address already in use") && !newLog.contains("BindException")) {
          throw e;
        }
        last = e;
      }
    }
    throw last;
  }

  static ServerProcess start(Path dataDir, Path logFile) throws IOException, InterruptedException {
    return start(Options.of(dataDir, logFile));
  }

  /** Starts a new server on the same data dir and log file (this one must have exited). */
  public ServerProcess restart() throws IOException, InterruptedException {
    if (process.isAlive()) {
      throw new IllegalStateException("server pid " + process.pid() + " is still running");
    }
    return start(options);
  }

  public URI baseUri() {
    return baseUri;
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  public Path dataDir() {
    return options.dataDir();
  }

  public Path logFile() {
    return options.logFile();
  }

  /** Time from launching the JVM until {@code /readyz} answered 200. */
  Duration timeToReady() {
    return Duration.ofNanos(readyNanos);
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * SIGKILL: the JVM gets no chance to flush, close or run shutdown hooks. On Linux {@link
   * Process#destroyForcibly} sends SIGKILL; the exit status 137 proves it was that signal.
   */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("server pid " + process.pid() + " survived SIGKILL for 30 s");
    }
    int status = process.exitValue();
    if (status != SIGKILL_STATUS) {
      throw new AssertionError(
          "server pid "
              + process.pid()
              + " exited with "
              + status
              + " before or instead of SIGKILL (expected "
              + SIGKILL_STATUS
              + ")\n"
              + logTail(60));
    }
  }

  /**
   * SIGTERM, then waits for a clean exit. Returns the exit status (0, or 143 when the JVM ended on
   * the signal after its shutdown hooks ran). Fails, after a SIGKILL, if the server does not exit
   * within {@code timeout}.
   */
  public int stop(Duration timeout) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
      throw new AssertionError(
          "server pid "
              + process.pid()
              + " did not exit within "
              + timeout
              + " of SIGTERM\n"
              + logTail(60));
    }
    return process.exitValue();
  }

  /** Waits up to {@code timeout} for the server to exit on its own: its status, or null. */
  public Integer awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
  }

  public int stop() throws InterruptedException {
    return stop(Duration.ofSeconds(60));
  }

  /** The last {@code lines} lines of the server log, with its path, for failure messages. */
  public String logTail(int lines) {
    return tail(options.logFile(), lines);
  }

  /**
   * The server's threads ({@code jstack} of this JDK), for failure messages about a stalled server;
   * at most 40,000 characters.
   */
  String threadDump() {
    if (!process.isAlive()) {
      return "(no thread dump: server pid " + process.pid() + " has exited)";
    }
    try {
      Process jstack =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "jstack").toString(),
                  Long.toString(process.pid()))
              .redirectErrorStream(true)
              .start();
      byte[] out = jstack.getInputStream().readNBytes(40_000);
      if (!jstack.waitFor(30, TimeUnit.SECONDS)) {
        jstack.destroyForcibly();
      }
      return "--- jstack " + process.pid() + " ---\n" + new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no thread dump: " + e + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(no thread dump: interrupted)";
    }
  }

  /** Kills the server if it is still running; tests call this from finally/close. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  static String tail(Path logFile, int lines) {
    StringBuilder out =
        new StringBuilder("--- server log ").append(logFile).append(" (tail) ---\n");
    try {
      List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      for (String line : all.subList(Math.max(0, all.size() - lines), all.size())) {
        out.append(line).append('\n');
      }
    } catch (IOException e) {
      out.append("(unreadable: ").append(e).append(")\n");
    }
    return out.append("--- end of server log ---").toString();
  }

  private static Process launch(Options options, int port) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--add-modules=jdk.incubator.vector");
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-Xmx" + options.maxHeap());
    command.add("-cp");
    command.add(testClassPath());
    command.add("io.vecdb.Main");
    command.add("serve");
    command.add("--data-dir");
    command.add(options.dataDir().toAbsolutePath().toString());
    command.add("--http-port");
    command.add(Integer.toString(port));
    command.add("--grpc-port");
    command.add("0"); // off; a test that wants gRPC passes its own --grpc-port after this
    command.add("--host");
    command.add("127.0.0.1");
    command.addAll(options.extraArgs());
    ProcessBuilder builder = new ProcessBuilder(command);
    // The child takes its settings from the flags above only, never from the caller's environment.
    builder.environment().keySet().removeIf(k -> k.startsWith("VECDB_"));
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(options.logFile().toFile()));
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Files.writeString(
        options.logFile(),
        "=== "
            + java.time.Instant.now()
            + " start: "
            + String.join(" ", command).replace(testClassPath(), "<test classpath>")
            + "\n",
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    return builder.start();
  }

  /**
   * Surefire may run tests from a manifest-only jar; it then keeps the real test classpath in
   * {@code surefire.test.class.path}.
   */
  private static String testClassPath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank()
        ? surefire
        : System.getProperty("java.class.path");
  }

  private static void awaitReady(Process process, int port, Options options, long t0)
      throws IOException, InterruptedException {
    URI readyz = URI.create("http://127.0.0.1:" + port + "/readyz");
    long deadline = t0 + options.readyTimeout().toNanos();
    try (HttpClient client =
        HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build()) {
      String lastAnswer = "no answer";
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IOException(
              "server exited with status "
                  + process.exitValue()
                  + " before /readyz answered 200\n"
                  + tail(options.logFile(), 80));
        }
        try {
          HttpResponse<String> response =
              client.send(
                  HttpRequest.newBuilder(readyz).timeout(Duration.ofSeconds(2)).GET().build(),
                  HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() == 200) {
            return;
          }
          lastAnswer = "HTTP " + response.statusCode() + " " + response.body();
        } catch (IOException e) {
          lastAnswer = e.toString();
        }
        Thread.sleep(25); // poll interval, not a wait for a condition
      }
      throw new IOException(
          "server pid "
              + process.pid()
              + " not ready within "
              + options.readyTimeout()
              + " (last /readyz: "
              + lastAnswer
              + ")\n"
              + tail(options.logFile(), 80));
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String readFrom(Path file, long offset) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int from = (int) Math.min(offset, bytes.length);
    return new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
  }
}
