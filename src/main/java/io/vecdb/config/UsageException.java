package io.vecdb.config;

/** A bad command line, environment variable or config file: the process exits with status 2. */
public final class UsageException extends Exception {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
