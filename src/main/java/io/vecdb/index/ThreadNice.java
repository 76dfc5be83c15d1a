package io.vecdb.index;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.logging.Logger;

/**
 * Lowers the OS scheduling priority (raises the Linux "nice" value) of the calling thread, so that
 * background work (inserting applied writes into the graph) yields the cores to foreground work
 * (accepting and acknowledging writes, searches) whenever both want them, and still gets every
 * cycle they leave. Java's {@link Thread#setPriority} is ignored by HotSpot on Linux by default,
 * hence {@code setpriority(PRIO_PROCESS, gettid(), nice)} through the FFM API; on Linux that call
 * applies to the one thread. An unprivileged process may always raise its threads' nice value, so
 * this needs no capability; it cannot be lowered again without one, so only dedicated threads use
 * it. Elsewhere (no {@code gettid}, or the call fails) it does nothing and logs why, once.
 *
 * <p>Thread-safe: the handles are immutable once looked up.
 */
public final class ThreadNice {
  private static final Logger LOG = Logger.getLogger(ThreadNice.class.getName());
  private static final int PRIO_PROCESS = 0;
  private static final MethodHandle GETTID;
  private static final MethodHandle SETPRIORITY;
  private static volatile boolean warned;

  static {
    MethodHandle gettid = null;
    MethodHandle setpriority = null;
    try {
      Linker linker = Linker.nativeLinker();
      var lookup = linker.defaultLookup();
      var g = lookup.find("gettid");
      var s = lookup.find("setpriority");
      if (g.isPresent() && s.isPresent()) {
        gettid = linker.downcallHandle(g.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
        setpriority =
            linker.downcallHandle(
                s.get(),
                FunctionDescriptor.of(
                    ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT));
      }
    } catch (RuntimeException | Error e) {
      gettid = null; // no native access (e.g. without --enable-native-access): stays at nice 0
    }
    GETTID = gettid;
    SETPRIORITY = setpriority;
  }

  private ThreadNice() {}

  /**
   * Sets the calling thread's nice value to {@code nice} (1..19; 0 leaves it alone). Returns
   * whether it took effect.
   */
  public static boolean set(int nice) {
    if (nice < 0 || nice > 19) {
      throw new IllegalArgumentException("nice: expected 0..19, got " + nice);
    }
    if (nice == 0) {
      return false;
    }
    if (GETTID == null) {
      warnOnce("setpriority/gettid are not available here");
      return false;
    }
    try {
      int tid = (int) GETTID.invokeExact();
      int rc = (int) SETPRIORITY.invokeExact(PRIO_PROCESS, tid, nice);
      if (rc != 0) {
        warnOnce("setpriority returned " + rc);
        return false;
      }
      return true;
    } catch (Throwable t) {
      warnOnce(String.valueOf(t));
      return false;
    }
  }

  /** The calling thread's nice value as Linux reports it, or -100 where it cannot be read. */
  public static int current() {
    try {
      return niceOf(java.nio.file.Path.of("/proc/thread-self/stat"));
    } catch (java.io.IOException | RuntimeException e) {
      return -100;
    }
  }

  /** The nice value in a Linux {@code /proc/.../stat} file (of a thread or a process). */
  static int niceOf(java.nio.file.Path stat) throws java.io.IOException {
    String line = java.nio.file.Files.readString(stat);
    // Fields after the command name (which is in parentheses and may hold spaces): the nice
    // value is field 19 of the whole line, the 17th after ") ".
    String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
    return Integer.parseInt(f[16]);
  }

  private static void warnOnce(String why) {
    if (!warned) {
      warned = true;
      LOG.warning(
          "background threads keep the normal scheduling priority (index_nice not applied): "
              + why);
    }
  }
}
