package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The REST router's path splitting. */
class RestRoutesTest {
  @Test
  void segmentsAreTheNonEmptyPartsBetweenSlashes() {
    assertArrayEquals(
        new String[] {"collections", "c", "points", "search"},
        RestRoutes.split("/collections/c/points/search"));
    assertArrayEquals(new String[] {"a", "b"}, RestRoutes.split("//a///b/"));
    assertArrayEquals(new String[0], RestRoutes.split("/"));
    assertArrayEquals(new String[0], RestRoutes.split(""));
    Random r = new Random(20261203);
    char[] alphabet = {'/', '/', 'a', 'b', '%', '2'};
    for (int t = 0; t < 20_000; t++) {
      char[] c = new char[r.nextInt(12)];
      for (int i = 0; i < c.length; i++) {
        c[i] = alphabet[r.nextInt(alphabet.length)];
      }
      String path = new String(c);
      String[] expected =
          Arrays.stream(path.split("/")).filter(x -> !x.isEmpty()).toArray(String[]::new);
      assertArrayEquals(expected, RestRoutes.split(path), path);
    }
  }
}
