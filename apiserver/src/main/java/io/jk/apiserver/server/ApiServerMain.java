package io.jk.apiserver.server;

import picocli.CommandLine;

/** {@code java -cp 'target/*:target/lib/*' io.jk.apiserver.server.ApiServerMain --data-dir DIR}. */
public final class ApiServerMain {

  private ApiServerMain() {}

  public static void main(String[] args) {
    // jk's log format and levels unless the operator points logback elsewhere
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "jk-apiserver-logback.xml");
    }
    System.exit(new CommandLine(new ApiServerCommand()).execute(args));
  }
}
