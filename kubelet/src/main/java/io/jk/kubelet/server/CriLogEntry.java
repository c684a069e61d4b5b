package io.jk.kubelet.server;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * One line of a CRI-format log file: {@code <RFC3339Nano time> <stdout|stderr> <P|F> <text>}.
 *
 * @param time when it was written
 * @param timeText the time exactly as written (RFC3339Nano), for {@code timestamps}
 * @param stream {@code stdout} or {@code stderr}
 * @param partial a {@code P} line: the text goes on in the next line of the same stream
 * @param text the text, without the trailing newline
 */
record CriLogEntry(Instant time, String timeText, String stream, boolean partial, String text) {

  /** Parses one line (without its newline); null when it is not a CRI log line. */
  static CriLogEntry parse(String line) {
    int a = line.indexOf(' ');
    int b = a < 0 ? -1 : line.indexOf(' ', a + 1);
    int c = b < 0 ? -1 : line.indexOf(' ', b + 1);
    if (c < 0) {
      // "<time> <stream> F" with empty text has no third space
      if (b > 0 && line.length() > b + 1) {
        c = line.length();
      } else {
        return null;
      }
    }
    String timeText = line.substring(0, a);
    Instant time;
    try {
      time = Instant.parse(timeText);
    } catch (DateTimeParseException e) {
      return null;
    }
    String tag = line.substring(b + 1, c);
    String text = c < line.length() ? line.substring(c + 1) : "";
    return new CriLogEntry(time, timeText, line.substring(a + 1, b), tag.startsWith("P"), text);
  }

  /** The line as {@code /containerLogs} prints it: the text, a newline, and the time first when asked. */
  byte[] render(boolean timestamps) {
    String s = timestamps ? timeText + " " + text + "\n" : text + "\n";
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
