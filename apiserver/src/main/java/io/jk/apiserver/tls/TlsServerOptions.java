package io.jk.apiserver.tls;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.List;
import java.util.Set;

/**
 * The TLS part of the API server's Vert.x {@link HttpServerOptions}, from a {@link ClusterPki}.
 *
 * <p>TLS 1.2 and 1.3; the serving certificate and key from PEM in memory; client certificates
 * requested (not required: token users send none) against the client CA as trust store. The
 * server lists that CA as acceptable, so ordinary clients do not offer certificates from other
 * CAs (their request arrives without one and gets 401); a certificate that is offered and does
 * not verify (foreign CA, expired) fails the handshake. {@code ClientCertificateAuthenticator}
 * verifies the chain again, so no path depends on the TLS layer alone. ALPN offers only
 * {@code http/1.1}, which exec/attach upgrades (WebSocket, SPDY) need.
 */
public final class TlsServerOptions {

  private TlsServerOptions() {}

  /** Applies TLS to {@code options} and returns them. */
  public static HttpServerOptions apply(HttpServerOptions options, ClusterPki pki) {
    options.setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions()
            .addCertValue(Buffer.buffer(pki.servingCertificatePem()))
            .addKeyValue(Buffer.buffer(pki.servingKeyPem())))
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"))
        .setUseAlpn(true)
        .setAlpnVersions(List.of(HttpVersion.HTTP_1_1));
    if (pki.clientCaPem().isPresent()) {
      options.setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(pki.clientCaPem().get())))
          .setClientAuth(ClientAuth.REQUEST);
    } else {
      options.setClientAuth(ClientAuth.NONE);
    }
    return options;
  }

  /** New {@link HttpServerOptions} with TLS from {@code pki}, listening on {@code host:port}. */
  public static HttpServerOptions create(ClusterPki pki, String host, int port) {
    return apply(new HttpServerOptions().setHost(host).setPort(port), pki);
  }
}
