/**
 * Qdrant filters, payload indexes and filtered search.
 *
 * <ul>
 *   <li>{@link io.vecdb.filter.FilterParser#parse} turns a request's {@code filter} JSON into an
 *       immutable, thread-safe {@link io.vecdb.filter.Filter} (Qdrant 1.x semantics; the parser's
 *       class comment lists what is rejected). Errors are {@link IllegalArgumentException}s whose
 *       message starts with the JSON path, e.g. {@code filter.must[1].range.gt: expected a number,
 *       got "abc"}: map them to HTTP 400.
 *   <li>{@link io.vecdb.filter.PayloadIndex}, one per collection: {@code createField(key, schema)}
 *       for {@code PUT /collections/{c}/index} (schema {@code keyword|integer|float|bool}), {@code
 *       dropField(key)} for {@code DELETE}, {@code schemas()} and {@code indexedPoints(key)} for
 *       the collection info's {@code payload_schema}. The collection's writer thread calls {@code
 *       onUpsert(ordinal, payload)} after every insert or payload change
 *       (set/overwrite/delete/clear payload: pass the new full payload) and {@code
 *       onRemove(ordinal, payload)} after a delete.
 *   <li>{@link io.vecdb.filter.FilteredSearch#search} for search/query: exact scan of the indexed
 *       candidates when few match, otherwise the vector index's own search with the filter applied
 *       during it.
 * </ul>
 *
 * <p>For count, scroll and delete-by-filter, {@code PayloadIndex.candidateBits(filter)} (null:
 * every point) narrows the points to test; always confirm each with {@link
 * io.vecdb.filter.Filter#test}.
 */
package io.vecdb.filter;
