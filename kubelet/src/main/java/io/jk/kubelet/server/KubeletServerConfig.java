package io.jk.kubelet.server;

import java.nio.file.Path;

/**
 * How the kubelet's HTTPS API listens and whom it lets in.
 *
 * @param address the address to listen on ({@code 0.0.0.0} for all)
 * @param port the port ({@code --port}, 10250 by default; 0 picks a free one)
 * @param tlsCertFile the serving certificate (PEM); with {@code tlsKeyFile}; null for a self-signed one
 * @param tlsKeyFile its private key (PEM)
 * @param clientCaFile the CA (PEM) whose client certificates are accepted (the API server's
 *     {@code kubelet-client.crt}); null accepts no certificate
 * @param tokenFile a file of accepted bearer tokens, one per line ({@code token[,user,...]}, as a
 *     static token file); null accepts no token. This stands in for a TokenReview against the API server.
 * @param stateDir where a self-signed certificate is kept when none is given
 */
public record KubeletServerConfig(String address, int port, Path tlsCertFile, Path tlsKeyFile, Path clientCaFile,
    Path tokenFile, Path stateDir) {

  /** The kubelet's default port. */
  public static final int DEFAULT_PORT = 10250;

  public KubeletServerConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be within 0..65535, got " + port);
    }
    if ((tlsCertFile == null) != (tlsKeyFile == null)) {
      throw new IllegalArgumentException("tlsCertFile and tlsKeyFile must be given together");
    }
    if (tlsCertFile == null && stateDir == null) {
      throw new IllegalArgumentException("stateDir is needed for a self-signed serving certificate");
    }
  }
}
