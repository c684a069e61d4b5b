package io.jk.kubelet.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The kubelet's serving certificate when none is configured: a self-signed one (as the kubelet
 * makes {@code kubelet.crt}), kept in a PKCS#12 keystore in the state directory and reused on
 * restart. Made with the JDK's {@code keytool}, so the kubelet needs no crypto library.
 *
 * @param keystore the PKCS#12 file
 * @param password its password (kept beside it, readable by root only)
 */
record SelfSignedCertificate(Path keystore, String password) {

  static SelfSignedCertificate loadOrCreate(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path store = dir.resolve("kubelet-serving.p12");
    Path pass = dir.resolve("kubelet-serving.pass");
    if (Files.isRegularFile(store) && Files.isRegularFile(pass)) {
      return new SelfSignedCertificate(store, Files.readString(pass, StandardCharsets.UTF_8).trim());
    }
    byte[] raw = new byte[18];
    new SecureRandom().nextBytes(raw);
    String password = HexFormat.of().formatHex(raw);
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    String host = java.net.InetAddress.getLocalHost().getHostName();
    Path tmp = dir.resolve("kubelet-serving.p12.tmp");
    Files.deleteIfExists(tmp);
    Process p = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-noprompt", "-alias", "kubelet",
        "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "365", "-dname", "CN=" + host + "@kubelet",
        "-ext", "SAN=dns:" + host + ",dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12",
        "-keystore", tmp.toString(), "-storepass", password, "-keypass", password))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("keytool could not make a self-signed certificate: " + out.trim());
    }
    Files.writeString(pass, password, StandardCharsets.UTF_8);
    try {
      Files.setPosixFilePermissions(pass, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system
    }
    Files.move(tmp, store, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return new SelfSignedCertificate(store, password);
  }
}
