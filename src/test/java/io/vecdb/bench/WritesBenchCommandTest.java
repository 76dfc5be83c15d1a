package io.vecdb.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Flags of {@code vecdb bench-writes}, and the request bodies it sends. */
class WritesBenchCommandTest {
  @Test
  void flagsParseAndBadOnesAreRefusedByName() throws Exception {
    WritesBenchCommand.Options o =
        WritesBenchCommand.Options.parse(
            new String[] {
              "--clients", "8", "--seconds", "3", "--server-arg", "--config", "--no-pg"
            });
    assertEquals(8, o.clients());
    assertEquals(3, o.seconds());
    assertEquals(List.of("--config"), o.serverArgs(), "a server flag is passed as it is");
    assertEquals(false, o.pg());
    assertEquals(64, WritesBenchCommand.Options.parse(new String[0]).clients());
    assertEquals(3, WritesBenchCommand.Options.parse(new String[0]).rounds());
    assertEquals(5, WritesBenchCommand.Options.parse(new String[] {"--rounds", "5"}).rounds());
    assertThrows(
        BenchOptions.BadFlag.class,
        () -> WritesBenchCommand.Options.parse(new String[] {"--rounds", "0"}));
    var e =
        assertThrows(
            BenchOptions.BadFlag.class,
            () -> WritesBenchCommand.Options.parse(new String[] {"--clients", "0"}));
    assertTrue(e.getMessage().startsWith("--clients"), e.getMessage());
    e =
        assertThrows(
            BenchOptions.BadFlag.class,
            () -> WritesBenchCommand.Options.parse(new String[] {"--frobnicate"}));
    assertTrue(e.getMessage().contains("--frobnicate"), e.getMessage());
  }

  @Test
  void bodiesAreOnePointWhoseVectorIsAFunctionOfSeedAndId() {
    byte[] out = new byte[WritesBenchCommand.maxBodyLength(16)];
    int length = WritesBenchCommand.body(42, 7, 16, out);
    JsonObject body =
        new JsonObject(new String(out, 0, length, java.nio.charset.StandardCharsets.US_ASCII));
    JsonArray points = body.getJsonArray("points");
    assertEquals(1, points.size());
    assertEquals(7L, points.getJsonObject(0).getLong("id"));
    JsonArray v = points.getJsonObject(0).getJsonArray("vector");
    int[] expected = WritesBenchCommand.vector(42, 7, 16);
    int[] got = new int[v.size()];
    for (int i = 0; i < got.length; i++) {
      got[i] = v.getInteger(i);
      assertTrue(got[i] >= 0 && got[i] < 256);
    }
    assertArrayEquals(expected, got);
    assertArrayEquals(expected, WritesBenchCommand.vector(42, 7, 16), "the same every time");
    assertTrue(
        !java.util.Arrays.equals(expected, WritesBenchCommand.vector(42, 8, 16)),
        "another id, another vector");
    // Every component as the digits it is (one, two and three digits), for many ids.
    for (long id = 1; id <= 500; id++) {
      int n =
          WritesBenchCommand.body(
              42, id, 128, out = new byte[WritesBenchCommand.maxBodyLength(128)]);
      JsonArray w =
          new JsonObject(new String(out, 0, n, java.nio.charset.StandardCharsets.US_ASCII))
              .getJsonArray("points")
              .getJsonObject(0)
              .getJsonArray("vector");
      int[] want = WritesBenchCommand.vector(42, id, 128);
      for (int j = 0; j < want.length; j++) {
        assertEquals(want[j], w.getInteger(j), "id " + id + ", component " + j);
      }
    }
  }
}
