package io.vecdb.collection;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OperationCodecTest {
  @Test
  void everyOperationRoundTrips() {
    long seed = Long.getLong("tests.seed", System.nanoTime());
    RandomOperations ops = new RandomOperations(new Random(seed));
    Buffer stream = Buffer.buffer();
    List<Operation> written = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      Operation op = ops.any(i % 3 == 0 ? "c" : "коллекция-" + i, 1 + i % 17);
      Operation back = OperationCodec.decode(OperationCodec.encode(op));
      assertEquals(op, back, "seed " + seed + ", op " + i);
      OperationCodec.encode(stream, op);
      written.add(op);
    }
    // Concatenated records decode one after another using encodedLength.
    int pos = 0;
    for (int i = 0; i < written.size(); i++) {
      assertEquals(
          written.get(i), OperationCodec.decode(stream, pos), "seed " + seed + ", record " + i);
      pos += OperationCodec.encodedLength(stream, pos);
    }
    assertEquals(stream.length(), pos, "seed " + seed);
  }

  @Test
  void vectorsAreRawLittleEndianFloat32() {
    Operation op =
        new Operation.UpsertPoints(
            "c",
            List.of(
                new PointStruct(
                    io.vecdb.model.PointId.of(7),
                    new float[] {1.5f, -2f},
                    io.vecdb.model.Payload.EMPTY)));
    Buffer b = OperationCodec.encode(op);
    // type(1) + name(4+1) + count(4) + id kind(1) + id(8) + dim(4) = 23
    assertEquals(2, b.getIntLE(19));
    assertEquals(1.5f, b.getFloatLE(23));
    assertEquals(-2f, b.getFloatLE(27));
    assertEquals(-1, b.getIntLE(31), "empty payload is stored as absent");
  }
}
