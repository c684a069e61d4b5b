package io.jk.kubelet.server;

import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Decides who sent a request to the kubelet: a client certificate that the TLS layer verified
 * against the configured client CA (the API server's {@code kubelet-client} certificate), or a
 * bearer token listed in the token file. Anything else is anonymous and refused.
 */
final class RequestAuthenticator {

  /** Who sent a request: a certificate's CN and O values, or a token file's user and groups. */
  record User(String name, Set<String> groups) {
    /** Whether this user is a cluster admin (group {@code system:masters}, as the API server's own client certificate). */
    boolean admin() {
      return groups.contains("system:masters");
    }
  }

  private final boolean certificatesAccepted;
  private final Path tokenFile;
  private volatile Map<String, User> tokens = Map.of();
  private volatile long tokensModified = -1;

  RequestAuthenticator(boolean certificatesAccepted, Path tokenFile) {
    this.certificatesAccepted = certificatesAccepted;
    this.tokenFile = tokenFile;
  }

  /** The authenticated user's name, or empty when the request is anonymous. Reads the token file (small) when it changed. */
  Optional<User> authenticate(HttpServerRequest req) {
    if (certificatesAccepted && req.isSSL()) {
      try {
        List<java.security.cert.Certificate> peer = req.connection().peerCertificates();
        if (peer != null && !peer.isEmpty() && peer.get(0) instanceof java.security.cert.X509Certificate x) {
          return Optional.of(fromSubject(x.getSubjectX500Principal().getName()));
        }
      } catch (SSLPeerUnverifiedException e) {
        // no certificate: try a token
      }
    }
    String auth = req.getHeader("Authorization");
    if (tokenFile != null && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String token = auth.substring(7).trim();
      for (var known : tokens().entrySet()) {
        if (MessageDigest.isEqual(known.getKey().getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
          return Optional.of(known.getValue());
        }
      }
    }
    return Optional.empty();
  }

  private Map<String, User> tokens() {
    try {
      long modified = Files.getLastModifiedTime(tokenFile).toMillis();
      if (modified != tokensModified) {
        Map<String, User> read = new HashMap<>();
        for (String line : Files.readAllLines(tokenFile, StandardCharsets.UTF_8)) {
          User u = parseTokenLine(line);
          if (u != null) {
            read.put(line.split(",", 2)[0].trim(), u);
          }
        }
        tokens = Map.copyOf(read);
        tokensModified = modified;
      }
    } catch (IOException e) {
      tokens = Map.of();
      tokensModified = -1;
    }
    return tokens;
  }

  /**
   * One line of a static token file, {@code token,user,uid,"group1,group2"} (user, uid and groups
   * optional, as Kubernetes' {@code --token-auth-file}); null for comments and blank lines.
   */
  static User parseTokenLine(String line) {
    String t = line.strip();
    if (t.isEmpty() || t.startsWith("#")) {
      return null;
    }
    String[] f = t.split(",", 4);
    String name = f.length > 1 && !f[1].isBlank() ? f[1].trim() : "token";
    Set<String> groups = new HashSet<>();
    if (f.length > 3) {
      String g = f[3].trim();
      if (g.length() >= 2 && g.startsWith("\"") && g.endsWith("\"")) {
        g = g.substring(1, g.length() - 1);
      }
      for (String one : g.split(",")) {
        if (!one.isBlank()) {
          groups.add(one.trim());
        }
      }
    }
    return new User(name, Set.copyOf(groups));
  }

  /** A certificate subject's CN as the user and its O values as groups, as Kubernetes reads client certificates. */
  static User fromSubject(String dn) {
    String name = dn;
    Set<String> groups = new HashSet<>();
    try {
      for (javax.naming.ldap.Rdn rdn : new javax.naming.ldap.LdapName(dn).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          name = String.valueOf(rdn.getValue());
        } else if (rdn.getType().equalsIgnoreCase("O")) {
          groups.add(String.valueOf(rdn.getValue()));
        }
      }
    } catch (javax.naming.InvalidNameException e) {
      // keep the whole subject as the name, with no groups
    }
    return new User(name, Set.copyOf(groups));
  }
}
