package io.vecdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Exit status 2 with a message naming the problem, checked on a real process. */
class MainTest {
  @Test
  void usageErrorsExitWithStatus2() throws Exception {
    check(List.of("serve", "--bogus-flag"), "--bogus-flag");
    check(List.of("serve", "--http-port", "nope"), "--http-port");
    check(List.of("frobnicate"), "frobnicate");
  }

  private static void check(List<String> args, String mentioned) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(args);
    File out = Files.createTempFile("vecdb-main", ".log").toFile();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out).start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exits");
    String text = Files.readString(out.toPath());
    assertEquals(2, p.exitValue(), args + ": " + text);
    assertTrue(text.contains(mentioned), args + " should name " + mentioned + ": " + text);
  }
}
