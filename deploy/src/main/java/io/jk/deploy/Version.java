package io.jk.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** jk's version, filtered into {@code jk-version.properties} at build time. */
public final class Version implements IVersionProvider {

  /** The version of this build, or {@code unknown} when run from unpackaged classes. */
  public static String current() {
    Properties p = new Properties();
    try (InputStream in = Version.class.getResourceAsStream("/jk-version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // fall through to "unknown"
    }
    String v = p.getProperty("version", "unknown");
    return v.startsWith("${") ? "unknown" : v;
  }

  @Override
  public String[] getVersion() {
    return new String[] {"jk " + current() + " (Kubernetes API v1.32, Java " + Runtime.version() + ")"};
  }
}
