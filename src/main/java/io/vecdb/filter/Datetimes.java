package io.vecdb.filter;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;

/**
 * Datetimes in payloads and filters, as Qdrant reads them: RFC 3339 ({@code 2023-02-08T10:49:00Z},
 * with an offset, fractions of a second), with a space instead of {@code T}, without an offset
 * (taken as UTC), or a date alone (midnight UTC). Compared as microseconds since the epoch.
 * Stateless.
 */
final class Datetimes {
  private static final DateTimeFormatter LOCAL =
      new DateTimeFormatterBuilder()
          .append(DateTimeFormatter.ISO_LOCAL_DATE)
          .appendLiteral('T')
          .appendValue(ChronoField.HOUR_OF_DAY, 2)
          .appendLiteral(':')
          .appendValue(ChronoField.MINUTE_OF_HOUR, 2)
          .optionalStart()
          .appendLiteral(':')
          .appendValue(ChronoField.SECOND_OF_MINUTE, 2)
          .optionalStart()
          .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
          .toFormatter();
  private static final DateTimeFormatter OFFSET =
      new DateTimeFormatterBuilder().append(LOCAL).appendOffset("+HH:MM", "Z").toFormatter();
  private static final DateTimeFormatter OFFSET_COMPACT =
      new DateTimeFormatterBuilder().append(LOCAL).appendOffset("+HHMM", "Z").toFormatter();

  private Datetimes() {}

  /** Microseconds since the epoch, or null if {@code text} is not a datetime. */
  static Long micros(String text) {
    String t = text.trim();
    if (t.length() > 10 && t.charAt(10) == ' ') {
      t = t.substring(0, 10) + 'T' + t.substring(11);
    }
    if (t.length() > 10 && (t.endsWith("z"))) {
      t = t.substring(0, t.length() - 1) + 'Z';
    }
    try {
      if (t.length() == 10) {
        return toMicros(LocalDate.parse(t).atStartOfDay().atOffset(ZoneOffset.UTC));
      }
      for (DateTimeFormatter f : new DateTimeFormatter[] {OFFSET, OFFSET_COMPACT}) {
        try {
          return toMicros(OffsetDateTime.parse(t, f));
        } catch (DateTimeParseException e) {
          // try the next form
        }
      }
      return toMicros(LocalDateTime.parse(t, LOCAL).atOffset(ZoneOffset.UTC));
    } catch (DateTimeParseException | ArithmeticException e) {
      return null;
    }
  }

  private static long toMicros(OffsetDateTime t) {
    return Math.addExact(Math.multiplyExact(t.toEpochSecond(), 1_000_000L), t.getNano() / 1_000L);
  }
}
