package io.vecdb.collection;

import io.vertx.core.json.JsonArray;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Which vectors a read returns ({@code with_vector}): none, all, or those named (the collection's
 * dense or sparse vector names). Immutable.
 */
record VectorSelector(boolean any, Set<String> names) {
  static final VectorSelector NONE = new VectorSelector(false, null);
  static final VectorSelector ALL = new VectorSelector(true, null);

  /** True, false or a list of names; a name the collection does not have is refused. */
  static VectorSelector parse(Object v, String path, CollectionConfig config) {
    if (v == null) {
      return NONE;
    }
    if (v instanceof Boolean b) {
      return b ? ALL : NONE;
    }
    if (v instanceof JsonArray a) {
      Set<String> names = new LinkedHashSet<>();
      for (int i = 0; i < a.size(); i++) {
        if (!(a.getValue(i) instanceof String s)) {
          throw JsonFields.bad(path + "[" + i + "]", "a vector name", a.getValue(i));
        }
        if (config == null ? !s.isEmpty() : config.dense(s) == null && config.sparse(s) == null) {
          java.util.List<String> known = new java.util.ArrayList<>();
          if (config == null) {
            known.add("");
          } else {
            known.addAll(config.denseNames());
            known.addAll(config.sparseVectors().keySet());
          }
          throw new IllegalArgumentException(
              path + "[" + i + "]: no vector named \"" + s + "\"; the vectors are " + known);
        }
        names.add(s);
      }
      return names.isEmpty() ? NONE : new VectorSelector(true, Set.copyOf(names));
    }
    throw JsonFields.bad(path, "true, false or a list of vector names", v);
  }

  boolean wants(String name) {
    return any && (names == null || names.contains(name));
  }
}
