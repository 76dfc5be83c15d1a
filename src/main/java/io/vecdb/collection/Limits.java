package io.vecdb.collection;

/**
 * Per-request bounds that keep one request from taking a node's memory or its search workers:
 * checked where a request is parsed, refused with 400 naming the field and the bound (with {@code
 * max_request_bytes} for bodies, the filter depth of {@code FilterParser}, {@code vectors.size} of
 * {@link CollectionConfig} and the {@code timeout} parameter, they are the node's request limits;
 * see docs/rest-api.md). Constants; stateless.
 */
public final class Limits {
  /** {@code limit + offset} of one search or query: the graph walk keeps that many candidates. */
  public static final int SEARCH_HITS = 10_000;

  /** Points in one scroll page (scroll on with {@code next_page_offset}). */
  public static final int SCROLL_PAGE = 100_000;

  /** Searches in one {@code /search/batch} or {@code /query/batch}. */
  public static final int BATCH_SEARCHES = 10_000;

  /** The hits a batch may ask for in all, summed over its searches. */
  public static final int BATCH_HITS = 100_000;

  /** Ids in one retrieve, and points in one upsert or selector. */
  public static final int POINTS_PER_REQUEST = 100_000;

  private Limits() {}

  /** Checks that {@code limit + offset} of a search stays within {@link #SEARCH_HITS}. */
  static void searchHits(int limit, int offset) {
    if ((long) limit + offset > SEARCH_HITS) {
      throw new IllegalArgumentException(
          "offset: limit + offset may be at most "
              + SEARCH_HITS
              + " per search, got "
              + limit
              + " + "
              + offset
              + " (read further with scroll)");
    }
  }

  /** Checks a count of items against its bound. */
  static void count(String path, int n, int max, String what) {
    if (n > max) {
      throw new IllegalArgumentException(
          path + ": at most " + max + " " + what + " per request, got " + n);
    }
  }
}
