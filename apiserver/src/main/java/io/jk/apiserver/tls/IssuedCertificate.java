package io.jk.apiserver.tls;

import java.security.cert.X509Certificate;

/**
 * A certificate issued by a {@link CertificateAuthority}, with its new private key.
 *
 * @param certificate the certificate
 * @param certificatePem the certificate as PEM
 * @param privateKeyPem the private key as unencrypted PEM (SEC1 EC): keep it secret (files 0600)
 */
public record IssuedCertificate(X509Certificate certificate, String certificatePem, String privateKeyPem) {

  @Override
  public String toString() {
    return "IssuedCertificate[subject=" + certificate.getSubjectX500Principal().getName() + "]";
  }
}
