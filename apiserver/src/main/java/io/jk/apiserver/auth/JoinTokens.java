package io.jk.apiserver.auth;

import io.jk.common.files.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Join tokens with which a new node proves it may join the cluster (issue 8), in kubeadm's
 * bootstrap-token shape {@code <id>.<secret>} ({@code [a-z0-9]{6}.[a-z0-9]{16}}).
 *
 * <p>The file (mode 0600, replaced atomically) keeps one line per token, {@code id
 * sha256(secret) expiresEpochSecond}, where 0 means "never expires": the secret itself is never
 * stored, so reading the data directory does not reveal a usable token. {@link #verify}
 * compares digests in constant time. Methods do blocking file I/O and are thread-safe.
 */
public final class JoinTokens {

  private static final Pattern TOKEN = Pattern.compile("([a-z0-9]{6})\\.([a-z0-9]{16})");
  private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path file;
  private final Clock clock;

  /** One stored token: its public id, the digest of its secret, its expiry (null: never). */
  public record StoredToken(String id, String secretDigest, Instant expires) {

    /** Whether the token has expired at {@code now}. */
    public boolean expiredAt(Instant now) {
      return expires != null && !now.isBefore(expires);
    }
  }

  /** Tokens kept in {@code file} (created on first {@link #create}). */
  public JoinTokens(Path file) {
    this(file, Clock.systemUTC());
  }

  /** As {@link #JoinTokens(Path)}, with a clock for tests of expiry. */
  public JoinTokens(Path file, Clock clock) {
    this.file = file;
    this.clock = clock;
  }

  /**
   * Creates a token and returns it; this is the only time its secret is visible.
   *
   * @param ttl how long the token is valid; null or zero for a token that never expires
   */
  public synchronized String create(Duration ttl) throws IOException {
    Map<String, StoredToken> tokens = read();
    String id;
    do {
      id = random(6);
    } while (tokens.containsKey(id));
    String secret = random(16);
    Instant expires = ttl == null || ttl.isZero() ? null : clock.instant().plus(ttl);
    tokens.put(id, new StoredToken(id, digest(secret), expires));
    write(tokens);
    return id + "." + secret;
  }

  /**
   * The id of {@code token} when it is well-formed, known and not expired; empty otherwise.
   */
  public synchronized Optional<String> verify(String token) throws IOException {
    if (token == null) {
      return Optional.empty();
    }
    Matcher m = TOKEN.matcher(token.trim());
    if (!m.matches()) {
      return Optional.empty();
    }
    StoredToken stored = read().get(m.group(1));
    if (stored == null || stored.expiredAt(clock.instant())) {
      return Optional.empty();
    }
    boolean same = MessageDigest.isEqual(HexFormat.of().parseHex(stored.secretDigest()),
        HexFormat.of().parseHex(digest(m.group(2))));
    return same ? Optional.of(stored.id()) : Optional.empty();
  }

  /** Removes the token with {@code id}; returns whether it existed. */
  public synchronized boolean revoke(String id) throws IOException {
    Map<String, StoredToken> tokens = read();
    if (tokens.remove(id) == null) {
      return false;
    }
    write(tokens);
    return true;
  }

  /** The stored tokens (ids, digests, expiry). */
  public synchronized List<StoredToken> list() throws IOException {
    return new ArrayList<>(read().values());
  }

  /**
   * The hash of a CA certificate's public key, {@code sha256:<hex>}, as kubeadm's {@code
   * --discovery-token-ca-cert-hash}: a joining node that is given it can check the CA the
   * server presents before trusting it.
   */
  public static String caCertHash(X509Certificate ca) {
    try {
      return "sha256:" + HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(ca.getPublicKey().getEncoded()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  private Map<String, StoredToken> read() throws IOException {
    Map<String, StoredToken> tokens = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return tokens;
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty()) {
        continue;
      }
      String[] fields = line.split("\\s+");
      try {
        if (fields.length != 3 || fields[1].length() != 64) {
          throw new IllegalArgumentException("want 3 fields: id sha256 expiresEpochSecond");
        }
        HexFormat.of().parseHex(fields[1]);
        long expires = Long.parseLong(fields[2]);
        tokens.put(fields[0], new StoredToken(fields[0], fields[1], expires == 0 ? null : Instant.ofEpochSecond(expires)));
      } catch (IllegalArgumentException e) {
        throw new IOException("corrupt join token file " + file + " line " + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return tokens;
  }

  private void write(Map<String, StoredToken> tokens) throws IOException {
    StringBuilder text = new StringBuilder();
    for (StoredToken token : tokens.values()) {
      text.append(token.id()).append(' ').append(token.secretDigest()).append(' ')
          .append(token.expires() == null ? 0 : token.expires().getEpochSecond()).append('\n');
    }
    AtomicFiles.writeString(file, text.toString(), true);
  }

  private static String random(int length) {
    char[] chars = new char[length];
    for (int i = 0; i < length; i++) {
      chars[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    }
    return new String(chars);
  }

  private static String digest(String secret) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }
}
