package io.vecdb.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;

/**
 * A closed-loop load generator for the benchmarks, cheap enough to share two cores with the server
 * it measures: one thread, non-blocking sockets on loopback, requests encoded before the run, and
 * responses only framed (HTTP/1.1 {@code content-length}, or WebSocket frame headers), not parsed.
 * Each of {@code connections} connections keeps exactly one request in flight and sends the next as
 * soon as the reply is complete, cycling through the request list from its own offset.
 *
 * <p>Bounded: a run ends after its duration or after {@code maxRequests}, whichever comes first,
 * and a connection that gets no reply within 30 s fails the run. Not thread-safe: one run at a time
 * on the calling thread.
 */
final class LoadClient {
  /** How requests travel: HTTP/1.1 keep-alive POSTs, or text frames on a {@code /ws} socket. */
  enum Mode {
    HTTP,
    WEBSOCKET
  }

  /**
   * Makes each request as it is sent, for runs where every request must differ (a write per new
   * point id). Called on the run's thread only.
   */
  @FunctionalInterface
  interface Source {
    byte[] next();
  }

  /**
   * What one run measured. Latencies are in nanoseconds, sorted. {@code okInWindow}: replies that
   * succeeded and arrived before the run's duration ended (the in-flight ones answered after it
   * count in {@code requests}).
   */
  record Result(
      long requests,
      long okInWindow,
      long errors,
      double seconds,
      long[] latencies,
      long clientCpuNanos,
      String firstError) {
    double perSecond() {
      return requests / seconds;
    }

    double percentileMs(double p) {
      return BenchOutput.percentileMs(latencies, p, 1e6);
    }
  }

  private static final long REPLY_TIMEOUT_NANOS = 30_000_000_000L;

  /** Latencies kept per run (the percentiles are of the first this many replies). */
  private static final int MAX_LATENCIES = 50_000_000;

  private final InetSocketAddress address;
  private final Mode mode;
  private final String path; // HTTP: the POST target; WebSocket: the upgrade path

  LoadClient(InetSocketAddress address, Mode mode, String path) {
    if (!address.getAddress().isLoopbackAddress()) {
      throw new IllegalArgumentException("load: only loopback is allowed, got " + address);
    }
    this.address = address;
    this.mode = mode;
    this.path = path;
  }

  /** Encodes JSON bodies as this client's wire messages (HTTP requests or masked text frames). */
  byte[][] encode(List<String> bodies, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    byte[][] out = new byte[bodies.size()][];
    for (int i = 0; i < out.length; i++) {
      byte[] body = bodies.get(i).getBytes(StandardCharsets.UTF_8);
      out[i] = mode == Mode.HTTP ? httpPost(path, body) : maskedTextFrame(body, rnd.nextInt());
    }
    return out;
  }

  static byte[] httpPost(String path, byte[] body) {
    return httpRequest("POST", path, body, body.length);
  }

  /** An HTTP/1.1 request of {@code method} with the first {@code length} bytes of {@code body}. */
  static byte[] httpRequest(String method, String path, byte[] body, int length) {
    byte[] head =
        (method
                + " "
                + path
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: "
                + length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    byte[] out = Arrays.copyOf(head, head.length + length);
    System.arraycopy(body, 0, out, head.length, length);
    return out;
  }

  /** A client-to-server text frame (RFC 6455: FIN, opcode 1, masked). */
  static byte[] maskedTextFrame(byte[] payload, int maskKey) {
    int n = payload.length;
    int header = n < 126 ? 2 : n < 65536 ? 4 : 10;
    byte[] out = new byte[header + 4 + n];
    out[0] = (byte) 0x81;
    if (n < 126) {
      out[1] = (byte) (0x80 | n);
    } else if (n < 65536) {
      out[1] = (byte) (0x80 | 126);
      out[2] = (byte) (n >>> 8);
      out[3] = (byte) n;
    } else {
      out[1] = (byte) (0x80 | 127);
      for (int i = 0; i < 8; i++) {
        out[2 + i] = (byte) ((long) n >>> (56 - 8 * i));
      }
    }
    byte[] mask = {
      (byte) (maskKey >>> 24), (byte) (maskKey >>> 16), (byte) (maskKey >>> 8), (byte) maskKey
    };
    System.arraycopy(mask, 0, out, header, 4);
    for (int i = 0; i < n; i++) {
      out[header + 4 + i] = (byte) (payload[i] ^ mask[i & 3]);
    }
    return out;
  }

  /**
   * Sends {@code requests} over {@code connections} connections for {@code seconds} (at most {@code
   * maxRequests} in all). {@code onReply}, if not null, gets each request's index and its reply
   * body (UTF-8; the HTTP body or the WebSocket message), and costs the client that parsing.
   */
  Result run(
      byte[][] requests,
      int connections,
      double seconds,
      long maxRequests,
      BiConsumer<Integer, String> onReply)
      throws IOException {
    return run(requests, null, connections, seconds, maxRequests, onReply);
  }

  /**
   * As {@link #run(byte[][], int, double, long, BiConsumer)}, each request made by {@code source}
   * when it is sent ({@code onReply} then gets -1 as the index).
   */
  Result run(Source source, int connections, double seconds, long maxRequests) throws IOException {
    return run(null, source, connections, seconds, maxRequests, null);
  }

  private Result run(
      byte[][] requests,
      Source source,
      int connections,
      double seconds,
      long maxRequests,
      BiConsumer<Integer, String> onReply)
      throws IOException {
    java.lang.management.ThreadMXBean threads =
        java.lang.management.ManagementFactory.getThreadMXBean();
    try (Selector selector = Selector.open()) {
      Conn[] conns = new Conn[connections];
      for (int i = 0; i < connections; i++) {
        conns[i] =
            new Conn(i, requests == null ? 0 : (int) ((long) i * requests.length / connections));
        conns[i].open(selector);
      }
      // Grown as replies come (a run at 10k requests/s for 10 s keeps 100k), up to a bound.
      long[] latencies = new long[(int) Math.max(16, Math.min(maxRequests, 1 << 16))];
      long count = 0;
      long okInWindow = 0;
      long errors = 0;
      String firstError = null;
      long cpu0 = threads.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      long end = t0 + (long) (seconds * 1e9);
      long sent = 0;
      for (Conn c : conns) {
        if (sent < maxRequests) {
          c.send(requests, source);
          sent++;
        }
      }
      int inFlight = (int) sent;
      while (inFlight > 0) {
        selector.select(100);
        long now = System.nanoTime();
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
          SelectionKey key = keys.next();
          keys.remove();
          Conn c = (Conn) key.attachment();
          if (key.isWritable()) {
            c.flush();
          }
          if (!key.isReadable()) {
            continue;
          }
          int done = c.read();
          if (done == 0) {
            continue;
          }
          now = System.nanoTime();
          if (count == latencies.length && count < MAX_LATENCIES) {
            latencies = Arrays.copyOf(latencies, (int) Math.min(MAX_LATENCIES, 2 * count));
          }
          if (count < latencies.length) {
            latencies[(int) count] = now - c.sentAt;
          }
          count++;
          if (done < 0) {
            errors++;
            if (firstError == null) {
              firstError = c.lastError;
            }
          } else {
            okInWindow += now < end ? 1 : 0;
            if (onReply != null) {
              onReply.accept(
                  c.current, new String(c.body, 0, c.bodyLength, StandardCharsets.UTF_8));
            }
          }
          inFlight--;
          if (now < end && sent < maxRequests) {
            c.send(requests, source);
            sent++;
            inFlight++;
          }
        }
        for (Conn c : conns) {
          if (c.waiting && now - c.sentAt > REPLY_TIMEOUT_NANOS) {
            throw new IOException("load: no reply within 30 s on connection " + c.index);
          }
        }
      }
      double elapsed = (System.nanoTime() - t0) / 1e9;
      long cpu = threads.getCurrentThreadCpuTime() - cpu0;
      for (Conn c : conns) {
        c.channel.close();
      }
      long[] lat = Arrays.copyOf(latencies, (int) Math.min(count, latencies.length));
      Arrays.sort(lat);
      return new Result(count, okInWindow, errors, elapsed, lat, cpu, firstError);
    }
  }

  /** One connection's state; touched only by the thread in {@link #run}. */
  private final class Conn {
    final int index;
    int next; // the index of the next request to send
    int current = -1;
    SocketChannel channel;
    SelectionKey key;
    ByteBuffer out;
    final ByteBuffer in = ByteBuffer.allocateDirect(1 << 16);
    byte[] head = new byte[1 << 12];
    int headLength;
    byte[] body = new byte[1 << 16];
    int bodyLength;
    long expected = -1; // body bytes expected (HTTP), or -1 while reading the head
    int status;
    boolean waiting;
    long sentAt;
    String lastError;
    // WebSocket frame parsing
    int frameHeaderNeed;
    long frameRemaining;
    boolean frameFinal;

    Conn(int index, int next) {
      this.index = index;
      this.next = next;
    }

    void open(Selector selector) throws IOException {
      channel = SocketChannel.open();
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      channel.connect(address);
      if (mode == Mode.WEBSOCKET) {
        handshake();
      }
      channel.configureBlocking(false);
      key = channel.register(selector, SelectionKey.OP_READ, this);
    }

    /** The upgrade, blocking (before the run's clock starts). */
    private void handshake() throws IOException {
      byte[] nonce = new byte[16];
      new SplittableRandom(index).nextBytes(nonce);
      String request =
          "GET "
              + path
              + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              + "Sec-WebSocket-Key: "
              + Base64.getEncoder().encodeToString(nonce)
              + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
      ByteBuffer b = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
      while (b.hasRemaining()) {
        channel.write(b);
      }
      ByteBuffer r = ByteBuffer.allocate(4096);
      StringBuilder seen = new StringBuilder();
      while (seen.indexOf("\r\n\r\n") < 0) {
        r.clear();
        if (channel.read(r) < 0) {
          throw new IOException("websocket: connection closed during the upgrade");
        }
        r.flip();
        seen.append(StandardCharsets.ISO_8859_1.decode(r));
        if (seen.length() > 8192) {
          throw new IOException("websocket: upgrade reply too long");
        }
      }
      if (!seen.toString().startsWith("HTTP/1.1 101")) {
        throw new IOException("websocket: upgrade refused: " + seen.toString().lines().findFirst());
      }
      if (seen.indexOf("\r\n\r\n") + 4 != seen.length()) {
        throw new IOException("websocket: data after the upgrade reply");
      }
    }

    void send(byte[][] requests, Source source) throws IOException {
      if (requests != null) {
        current = next;
        next = (next + 1) % requests.length;
        out = ByteBuffer.wrap(requests[current]);
      } else {
        current = -1;
        out = ByteBuffer.wrap(source.next());
      }
      headLength = 0;
      bodyLength = 0;
      expected = -1;
      frameHeaderNeed = 2;
      frameRemaining = 0;
      frameFinal = false;
      waiting = true;
      sentAt = System.nanoTime();
      flush();
    }

    void flush() throws IOException {
      channel.write(out);
      key.interestOps(
          out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }

    /** Reads what arrived: 1 when the reply is complete, -1 when it was an error, else 0. */
    int read() throws IOException {
      in.clear();
      int n = channel.read(in);
      if (n < 0) {
        throw new IOException("load: the server closed connection " + index);
      }
      in.flip();
      int r = mode == Mode.HTTP ? readHttp() : readWebSocket();
      if (r != 0) {
        waiting = false;
        if (in.hasRemaining()) {
          throw new IOException("load: bytes after a complete reply on connection " + index);
        }
      }
      return r;
    }

    private int readHttp() throws IOException {
      while (in.hasRemaining()) {
        if (expected < 0) {
          if (headLength == head.length) {
            throw new IOException("load: reply head longer than " + head.length + " bytes");
          }
          head[headLength++] = in.get();
          if (headLength >= 4
              && head[headLength - 1] == '\n'
              && head[headLength - 2] == '\r'
              && head[headLength - 3] == '\n'
              && head[headLength - 4] == '\r') {
            String h = new String(head, 0, headLength, StandardCharsets.ISO_8859_1);
            status = Integer.parseInt(h.substring(9, 12));
            int at = h.toLowerCase(java.util.Locale.ROOT).indexOf("\r\ncontent-length:");
            if (at < 0) {
              throw new IOException("load: reply without content-length: " + h);
            }
            int eol = h.indexOf("\r\n", at + 2);
            expected = Long.parseLong(h.substring(at + 17, eol).trim());
            if (expected > body.length) {
              body = new byte[(int) expected];
            }
          }
        } else {
          int take = (int) Math.min(in.remaining(), expected - bodyLength);
          in.get(body, bodyLength, take);
          bodyLength += take;
        }
        if (expected >= 0 && bodyLength == expected) {
          break;
        }
      }
      if (expected < 0 || bodyLength < expected) {
        return 0;
      }
      if (status != 200) {
        lastError = status + " " + new String(body, 0, bodyLength, StandardCharsets.UTF_8);
        return -1;
      }
      return 1;
    }

    private int readWebSocket() throws IOException {
      while (in.hasRemaining()) {
        if (frameRemaining == 0 && frameHeaderNeed > 0) {
          head[headLength++] = in.get();
          if (headLength == 2) {
            int len = head[1] & 0x7f;
            if ((head[1] & 0x80) != 0) {
              throw new IOException("websocket: the server masked a frame");
            }
            frameHeaderNeed = len == 126 ? 4 : len == 127 ? 10 : 2;
          }
          if (headLength == frameHeaderNeed) {
            int opcode = head[0] & 0x0f;
            if (opcode != 1 && opcode != 0) {
              throw new IOException("websocket: unexpected opcode " + opcode);
            }
            frameFinal = (head[0] & 0x80) != 0;
            int len = head[1] & 0x7f;
            long size = len;
            if (len == 126) {
              size = ((head[2] & 0xff) << 8) | (head[3] & 0xff);
            } else if (len == 127) {
              size = 0;
              for (int i = 0; i < 8; i++) {
                size = (size << 8) | (head[2 + i] & 0xff);
              }
            }
            if (bodyLength + size > body.length) {
              body = Arrays.copyOf(body, (int) Math.max(bodyLength + size, 2L * body.length));
            }
            frameRemaining = size;
            frameHeaderNeed = 0;
            headLength = 0;
            if (size == 0 && frameFinal) {
              break;
            }
          }
        } else {
          int take = (int) Math.min(in.remaining(), frameRemaining);
          in.get(body, bodyLength, take);
          bodyLength += take;
          frameRemaining -= take;
          if (frameRemaining == 0) {
            if (frameFinal) {
              break;
            }
            frameHeaderNeed = 2; // a continuation frame follows
          }
        }
      }
      if (!(frameHeaderNeed == 0 && frameRemaining == 0 && frameFinal)) {
        return 0;
      }
      // A reply is {"id":..,"result":..,"status":"ok",..} or {"id":..,"status":{"error":..},..}:
      // an error when its status object comes before any result (inside a string those quotes
      // would be escaped, so the byte sequence cannot come from a payload's text).
      String s = new String(body, 0, bodyLength, StandardCharsets.UTF_8);
      int error = s.indexOf("\"status\":{\"error\"");
      int result = s.indexOf("\"result\":");
      if (error >= 0 && (result < 0 || error < result)) {
        lastError = s;
        return -1;
      }
      return 1;
    }
  }
}
