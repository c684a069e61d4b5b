package io.jk.apiserver.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer tokens from a static CSV file, as kube-apiserver's {@code --token-auth-file}.
 *
 * <p>Each line is {@code token,user,uid[,"group1,group2"]}; fields may be quoted (a quote
 * inside a quoted field is doubled), leading spaces are trimmed, blank lines are skipped, and
 * further columns are ignored. Every bad line is reported with its number, all at once. Tokens
 * are kept only as SHA-256 digests, so a lookup does not compare secrets byte by byte.
 */
public final class TokenFileAuthenticator implements Authenticator {

  private static final Logger LOG = LoggerFactory.getLogger(TokenFileAuthenticator.class);

  private final Map<String, UserInfo> usersByTokenDigest;

  private TokenFileAuthenticator(Map<String, UserInfo> usersByTokenDigest) {
    this.usersByTokenDigest = Map.copyOf(usersByTokenDigest);
  }

  /**
   * Reads a token file.
   *
   * @throws IllegalArgumentException listing every bad line ({@code tokens.csv line 3: ...})
   * @throws IOException when the file cannot be read
   */
  public static TokenFileAuthenticator load(Path file) throws IOException {
    return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
  }

  /**
   * Parses token file text; {@code source} names it in errors.
   *
   * @throws IllegalArgumentException listing every bad line
   */
  public static TokenFileAuthenticator parse(String csv, String source) {
    Map<String, UserInfo> users = new HashMap<>();
    List<String> errors = new ArrayList<>();
    String[] lines = csv.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int lineNumber = i + 1;
      if (lines[i].isBlank()) {
        continue;
      }
      List<String> fields;
      try {
        fields = splitCsvLine(lines[i]);
      } catch (IllegalArgumentException e) {
        errors.add(source + " line " + lineNumber + ": " + e.getMessage());
        continue;
      }
      if (fields.size() < 3) {
        errors.add(source + " line " + lineNumber + ": must have at least 3 columns (token, user name, user uid), found "
            + fields.size());
        continue;
      }
      String token = fields.get(0);
      String user = fields.get(1);
      if (token.isEmpty()) {
        errors.add(source + " line " + lineNumber + ": empty token");
        continue;
      }
      if (user.isEmpty()) {
        errors.add(source + " line " + lineNumber + ": empty user name");
        continue;
      }
      List<String> groups = new ArrayList<>();
      if (fields.size() > 3) {
        Arrays.stream(fields.get(3).split(",")).map(String::trim).filter(g -> !g.isEmpty()).forEach(groups::add);
      }
      if (users.put(digest(token), new UserInfo(user, fields.get(2), groups)) != null) {
        LOG.warn("Duplicate token in token file, the later line wins file={} line={}", source, lineNumber);
      }
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException("invalid token file: " + String.join("; ", errors));
    }
    return new TokenFileAuthenticator(users);
  }

  @Override
  public Optional<UserInfo> authenticate(String authorizationHeader, List<X509Certificate> peerChain) {
    String token = Authenticator.bearerToken(authorizationHeader);
    if (token == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(usersByTokenDigest.get(digest(token)));
  }

  /** How many tokens the file holds. */
  public int size() {
    return usersByTokenDigest.size();
  }

  private static String digest(String token) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  /** Splits one CSV record: quoted fields, doubled quotes, leading spaces trimmed. */
  static List<String> splitCsvLine(String line) {
    List<String> fields = new ArrayList<>();
    int i = 0;
    int n = line.length();
    while (true) {
      while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
        i++;
      }
      StringBuilder field = new StringBuilder();
      if (i < n && line.charAt(i) == '"') {
        int start = i + 1;
        i++;
        boolean closed = false;
        while (i < n) {
          char c = line.charAt(i);
          if (c == '"') {
            if (i + 1 < n && line.charAt(i + 1) == '"') {
              field.append('"');
              i += 2;
              continue;
            }
            closed = true;
            i++;
            break;
          }
          field.append(c);
          i++;
        }
        if (!closed) {
          throw new IllegalArgumentException("unterminated quoted field starting at column " + start);
        }
        if (i < n && line.charAt(i) != ',') {
          throw new IllegalArgumentException("extraneous text after quoted field at column " + (i + 1));
        }
      } else {
        while (i < n && line.charAt(i) != ',') {
          char c = line.charAt(i);
          if (c == '"') {
            throw new IllegalArgumentException("bare quote in unquoted field at column " + (i + 1));
          }
          field.append(c);
          i++;
        }
      }
      fields.add(field.toString());
      if (i >= n) {
        return fields;
      }
      i++; // the comma
    }
  }
}
