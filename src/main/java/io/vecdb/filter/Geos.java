package io.vecdb.filter;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** Parses Qdrant's geo conditions, naming the offending path. */
final class Geos {
  private Geos() {}

  /** {@code {center: {lon, lat}, radius: meters}}. */
  static Condition.GeoRadius radius(JsonObject o, String path) {
    only(o, path, "center", "radius");
    double[] c = point(o.getValue("center"), path + ".center");
    if (!(o.getValue("radius") instanceof Number r)
        || !Double.isFinite(r.doubleValue())
        || r.doubleValue() < 0) {
      throw new IllegalArgumentException(
          path + ".radius: expected a distance in meters >= 0, got " + o.getValue("radius"));
    }
    return new Condition.GeoRadius(c[0], c[1], r.doubleValue());
  }

  /** {@code {top_left: {lon, lat}, bottom_right: {lon, lat}}}. */
  static Condition.GeoBox box(JsonObject o, String path) {
    only(o, path, "top_left", "bottom_right");
    double[] tl = point(o.getValue("top_left"), path + ".top_left");
    double[] br = point(o.getValue("bottom_right"), path + ".bottom_right");
    if (tl[0] < br[0]) {
      throw new IllegalArgumentException(
          path + ": top_left.lat (" + tl[0] + ") is below bottom_right.lat (" + br[0] + ")");
    }
    return new Condition.GeoBox(tl[0], tl[1], br[0], br[1]);
  }

  /** {@code {exterior: {points: [...]}, interiors: [{points: [...]}, ...]}}. */
  static Condition.GeoPolygon polygon(JsonObject o, String path) {
    only(o, path, "exterior", "interiors");
    List<double[]> exterior = ring(o.getValue("exterior"), path + ".exterior");
    List<List<double[]>> interiors = new ArrayList<>();
    Object in = o.getValue("interiors");
    if (in != null) {
      if (!(in instanceof JsonArray a)) {
        throw new IllegalArgumentException(path + ".interiors: expected a list of rings");
      }
      for (int i = 0; i < a.size(); i++) {
        interiors.add(ring(a.getValue(i), path + ".interiors[" + i + "]"));
      }
    }
    return new Condition.GeoPolygon(exterior, List.copyOf(interiors));
  }

  /** A closed ring of at least 4 points, first equal to last (Qdrant's GeoLineString rule). */
  private static List<double[]> ring(Object v, String path) {
    if (!(v instanceof JsonObject o)) {
      throw new IllegalArgumentException(path + ": expected {\"points\": [...]}, got " + v);
    }
    only(o, path, "points");
    if (!(o.getValue("points") instanceof JsonArray a)) {
      throw new IllegalArgumentException(path + ".points: expected a list of {lon, lat}");
    }
    List<double[]> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      out.add(point(a.getValue(i), path + ".points[" + i + "]"));
    }
    if (out.size() < 4) {
      throw new IllegalArgumentException(
          path + ".points: a ring needs at least 4 points (first = last), got " + out.size());
    }
    double[] first = out.get(0);
    double[] last = out.get(out.size() - 1);
    if (first[0] != last[0] || first[1] != last[1]) {
      throw new IllegalArgumentException(
          path + ".points: a ring must be closed (its last point equal to its first)");
    }
    return List.copyOf(out);
  }

  /** {lat, lon} of {@code {"lon": x, "lat": y}}. */
  private static double[] point(Object v, String path) {
    if (!(v instanceof JsonObject o)) {
      throw new IllegalArgumentException(path + ": expected {\"lon\": x, \"lat\": y}, got " + v);
    }
    only(o, path, "lon", "lat");
    double[] p = Geo.point(o);
    if (p == null) {
      throw new IllegalArgumentException(
          path + ": expected lon in [-180, 180] and lat in [-90, 90], got " + o.encode());
    }
    return p;
  }

  private static void only(JsonObject o, String path, String... known) {
    for (String name : o.fieldNames()) {
      if (!List.of(known).contains(name)) {
        throw new IllegalArgumentException(
            path + ": unknown field \"" + name + "\", expected " + String.join(", ", known));
      }
    }
  }
}
