package io.jk.kubelet.server;

import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
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

  private final boolean certificatesAccepted;
  private final Path tokenFile;
  private volatile Set<String> tokens = Set.of();
  private volatile long tokensModified = -1;

  RequestAuthenticator(boolean certificatesAccepted, Path tokenFile) {
    this.certificatesAccepted = certificatesAccepted;
    this.tokenFile = tokenFile;
  }

  /** The authenticated user's name, or empty when the request is anonymous. Reads the token file (small) when it changed. */
  Optional<String> authenticate(HttpServerRequest req) {
    if (certificatesAccepted && req.isSSL()) {
      try {
        List<java.security.cert.Certificate> peer = req.connection().peerCertificates();
        if (peer != null && !peer.isEmpty() && peer.get(0) instanceof java.security.cert.X509Certificate x) {
          return Optional.of(x.getSubjectX500Principal().getName());
        }
      } catch (SSLPeerUnverifiedException e) {
        // no certificate: try a token
      }
    }
    String auth = req.getHeader("Authorization");
    if (tokenFile != null && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String token = auth.substring(7).trim();
      for (String known : tokens()) {
        if (MessageDigest.isEqual(known.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
          return Optional.of("token");
        }
      }
    }
    return Optional.empty();
  }

  private Set<String> tokens() {
    try {
      long modified = Files.getLastModifiedTime(tokenFile).toMillis();
      if (modified != tokensModified) {
        Set<String> read = new HashSet<>();
        for (String line : Files.readAllLines(tokenFile, StandardCharsets.UTF_8)) {
          String t = line.split(",", 2)[0].trim();
          if (!t.isEmpty() && !t.startsWith("#")) {
            read.add(t);
          }
        }
        tokens = Set.copyOf(read);
        tokensModified = modified;
      }
    } catch (IOException e) {
      tokens = Set.of();
      tokensModified = -1;
    }
    return tokens;
  }
}
