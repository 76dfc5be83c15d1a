package io.vecdb.server;

import io.vecdb.config.ServeArguments;
import io.vecdb.config.UsageException;
import io.vecdb.config.VecdbOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * {@code vecdb serve}: resolves settings (exit 2 naming a bad flag or value), starts a node, and
 * closes it on SIGTERM / Ctrl-C through a shutdown hook.
 */
public final class ServeCommand {
  private static final Logger LOG = Logger.getLogger(ServeCommand.class.getName());
  private static final long START_TIMEOUT_MINUTES = 60;
  static final Path LOGGING_CONFIG = Path.of("conf", "logging.properties");

  private ServeCommand() {}

  public static void run(String[] args) {
    configureLogging();
    VecdbOptions options;
    try {
      options = ServeArguments.parse(args, System.getenv());
    } catch (UsageException e) {
      System.err.println("vecdb serve: " + e.getMessage());
      System.exit(2);
      return;
    }
    VecdbNode node;
    try {
      node =
          VecdbNode.serve(options)
              .toCompletionStage()
              .toCompletableFuture()
              .get(START_TIMEOUT_MINUTES, TimeUnit.MINUTES); // recovery may replay a long WAL
    } catch (Exception e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      System.err.println("vecdb serve: start-up failed: " + cause.getMessage());
      System.exit(1);
      return;
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.err.println("vecdb: shutting down");
                  try {
                    node.close()
                        .toCompletionStage()
                        .toCompletableFuture()
                        .get(20, TimeUnit.SECONDS);
                    System.err.println("vecdb: stopped cleanly");
                  } catch (Exception e) {
                    System.err.println("vecdb: clean shutdown did not finish: " + e);
                  }
                },
                "vecdb-shutdown"));
  }

  /** Uses conf/logging.properties unless -Djava.util.logging.config.file is given. */
  private static void configureLogging() {
    if (System.getProperty("java.util.logging.config.file") != null
        || !Files.isRegularFile(LOGGING_CONFIG)) {
      return;
    }
    try (InputStream in = Files.newInputStream(LOGGING_CONFIG)) {
      LogManager.getLogManager().readConfiguration(in);
    } catch (IOException e) {
      System.err.println("vecdb: cannot read " + LOGGING_CONFIG + ": " + e);
    }
  }
}
