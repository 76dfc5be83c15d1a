package io.vecdb.server;

import io.vecdb.collection.OperationCodec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * {@link LogRequest} codec: by reference locally; on the wire a flag byte, the timeout (8 bytes)
 * and the operation's binary form ({@link OperationCodec}), the same bytes the WAL stores.
 */
final class LogRequestCodec implements MessageCodec<LogRequest, LogRequest> {
  @Override
  public void encodeToWire(Buffer buffer, LogRequest request) {
    Buffer op = OperationCodec.encode(request.op());
    buffer.appendByte((byte) (request.waitApplied() ? 1 : 0));
    buffer.appendLong(request.timeoutMs());
    buffer.appendInt(op.length());
    buffer.appendBuffer(op);
  }

  @Override
  public LogRequest decodeFromWire(int pos, Buffer buffer) {
    boolean wait = buffer.getByte(pos) == 1;
    long timeoutMs = buffer.getLong(pos + 1);
    int length = buffer.getInt(pos + 9);
    return new LogRequest(
        OperationCodec.decode(buffer.getBuffer(pos + 13, pos + 13 + length)), wait, timeoutMs);
  }

  @Override
  public LogRequest transform(LogRequest request) {
    return request;
  }

  @Override
  public String name() {
    return "vecdb.LogRequest";
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
