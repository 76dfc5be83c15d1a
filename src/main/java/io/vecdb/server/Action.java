package io.vecdb.server;

import java.util.Locale;

/** What an {@link ApiRequest} asks for; each maps to one Qdrant endpoint. */
public enum Action {
  CREATE_COLLECTION(true),
  DELETE_COLLECTION(true),
  UPDATE_COLLECTION(true),
  UPSERT_POINTS(true),
  DELETE_POINTS(true),
  SET_PAYLOAD(true),
  OVERWRITE_PAYLOAD(true),
  DELETE_PAYLOAD(true),
  CLEAR_PAYLOAD(true),
  BATCH_UPDATE(true),
  UPDATE_VECTORS(true),
  DELETE_VECTORS(true),
  CREATE_FIELD_INDEX(true),
  DELETE_FIELD_INDEX(true),
  LIST_COLLECTIONS(false),
  GET_COLLECTION(false),
  COLLECTION_EXISTS(false),
  RETRIEVE_POINTS(false),
  GET_POINT(false),
  SCROLL(false),
  COUNT(false),
  SEARCH(false),
  SEARCH_BATCH(false),
  QUERY(false),
  QUERY_BATCH(false),
  SEARCH_GROUPS(false),
  QUERY_GROUPS(false),
  COLLECTION_CLUSTER(false),
  CHANGE_ALIASES(true),
  LIST_ALIASES(false),
  COLLECTION_ALIASES(false);

  private final boolean write;

  Action(boolean write) {
    this.write = write;
  }

  /** True for mutations (sent to {@link Addresses#INGEST}), false for reads. */
  public boolean isWrite() {
    return write;
  }

  /** Collection-level writes always reply after they are applied, as in Qdrant. */
  boolean alwaysWaits() {
    return write
        && this != UPSERT_POINTS
        && this != DELETE_POINTS
        && this != SET_PAYLOAD
        && this != OVERWRITE_PAYLOAD
        && this != DELETE_PAYLOAD
        && this != CLEAR_PAYLOAD
        && this != BATCH_UPDATE
        && this != UPDATE_VECTORS
        && this != DELETE_VECTORS;
  }

  /**
   * Collection create, delete and update answer {@code result: true} (or {@code false}), as in
   * Qdrant; every other write answers an update result ({@code operation_id}, {@code status}).
   */
  boolean answersBoolean() {
    return this == CREATE_COLLECTION
        || this == DELETE_COLLECTION
        || this == UPDATE_COLLECTION
        || this == CHANGE_ALIASES;
  }

  /** The wire name: lower case, e.g. {@code upsert_points}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Action parse(String name) {
    if (name != null) {
      for (Action a : values()) {
        if (a.wireName().equals(name)) {
          return a;
        }
      }
    }
    throw new IllegalArgumentException("action: unknown action '" + name + "'");
  }
}
