package io.jk.apiserver.server;

import io.jk.apiserver.allocation.ServiceAllocator;
import io.jk.apiserver.auth.Authenticator;
import io.jk.apiserver.auth.ClientCertificateAuthenticator;
import io.jk.apiserver.auth.TokenFileAuthenticator;
import io.jk.apiserver.serviceaccount.ServiceAccountTokens;
import io.jk.apiserver.serviceaccount.SigningKey;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreFactory;
import io.jk.apiserver.storage.StoreOptions;
import io.jk.apiserver.proxy.KubeletClientCredentials;
import io.jk.apiserver.tls.CertificateAuthority;
import io.jk.apiserver.tls.ClusterPki;
import io.jk.apiserver.tls.IssuedCertificate;
import io.jk.apiserver.tls.ServingIdentity;
import io.jk.apiserver.tls.TlsServerOptions;
import io.jk.common.kubeconfig.Kubeconfigs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jk apiserver}: the API server as a process. Opens the store ({@code --etcd-servers}, or
 * the embedded SQLite store in the data directory), loads or creates the cluster PKI, serves
 * HTTPS with bearer-token and client-certificate authentication, and writes
 * {@code <data-dir>/admin.kubeconfig}. Stops cleanly on SIGTERM / Ctrl-C.
 *
 * <p>Other launchers embed it with {@link #start(Vertx)} and {@link Running#stop()}.
 */
@Command(name = "apiserver", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Serves the Kubernetes API of a jk cluster.")
public final class ApiServerCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(ApiServerCommand.class);

  @Option(names = "--data-dir", description = "State directory (store, PKI, admin kubeconfig). Default: ${DEFAULT-VALUE}")
  Path dataDir = Path.of("/var/lib/jk/server");

  @Option(names = "--etcd-servers", description = "etcd endpoints (http(s)://host:port,...) or sqlite:///path; "
      + "default: the embedded SQLite store in the data directory.")
  String etcdServers;

  @Option(names = "--etcd-cafile", description = "CA bundle of the etcd servers.")
  String etcdCaFile;

  @Option(names = "--etcd-certfile", description = "Client certificate for etcd.")
  String etcdCertFile;

  @Option(names = "--etcd-keyfile", description = "Client key for etcd.")
  String etcdKeyFile;

  @Option(names = "--bind-address", description = "Address to listen on. Default: ${DEFAULT-VALUE}")
  String bindAddress = "0.0.0.0";

  @Option(names = "--secure-port", description = "HTTPS port. Default: ${DEFAULT-VALUE}")
  int securePort = 6443;

  @Option(names = "--advertise-address", description = "Address clients and the admin kubeconfig use. Default: 127.0.0.1")
  String advertiseAddress;

  @Option(names = "--token-auth-file", description = "CSV of token,user,uid[,\"group1,group2\"] for bearer tokens.")
  Path tokenAuthFile;

  @Option(names = "--authorization-mode", split = ",", description = "Ordered authorizers: Node, RBAC, "
      + "AlwaysAllow (any authenticated user may do anything but nodes/proxy), AlwaysDeny. Default: Node,RBAC")
  List<String> authorizationModes = new ArrayList<>(io.jk.apiserver.auth.Authorizers.DEFAULT_MODES);

  @Option(names = "--tls-cert-file", description = "Serving certificate (default: issued by the cluster CA in the data directory).")
  Path tlsCertFile;

  @Option(names = "--tls-private-key-file", description = "Key of --tls-cert-file.")
  Path tlsKeyFile;

  @Option(names = "--client-ca-file", description = "CA bundle for client certificates (with --tls-cert-file).")
  Path clientCaFile;

  @Option(names = "--service-cluster-ip-range", description = "CIDR of Service ClusterIPs. Default: ${DEFAULT-VALUE}")
  String serviceClusterIpRange = "10.96.0.0/12";

  @Option(names = "--service-node-port-range", description = "NodePort range. Default: ${DEFAULT-VALUE}")
  String serviceNodePortRange = "30000-32767";

  @Option(names = "--service-account-signing-key-file", description = "RSA private key (PEM) that signs service "
      + "account tokens. Default: <data-dir>/pki/sa.key, created on first start.")
  Path serviceAccountSigningKeyFile;

  @Option(names = "--service-account-key-file", split = ",", description = "PEM files of further public keys "
      + "(or certificates) whose service account tokens are accepted.")
  List<Path> serviceAccountKeyFiles = new ArrayList<>();

  @Option(names = "--service-account-issuer", description = "The iss of service account tokens. Default: ${DEFAULT-VALUE}")
  String serviceAccountIssuer = ServiceAccountTokens.DEFAULT_ISSUER;

  @Option(names = "--api-audiences", split = ",", description = "Audiences tokens must name to be accepted; "
      + "tokens requested without audiences get these. Default: the issuer.")
  List<String> apiAudiences = new ArrayList<>();

  /** Extra configuration applied by an embedding launcher (e.g. strategies). */
  UnaryOperator<ApiServerConfig> customize = c -> c;

  /** A started API server with the store it owns. */
  public record Running(ApiServer server, Store store, Path adminKubeconfig) {
    /** Stops serving, then closes the store. */
    public Future<Void> stop() {
      return server.stop().eventually(() -> {
        store.close();
        return Future.succeededFuture();
      });
    }
  }

  /** Sets extra configuration (used by launchers that embed the API server). */
  public ApiServerCommand customize(UnaryOperator<ApiServerConfig> c) {
    this.customize = c;
    return this;
  }

  /** Checks the flags; the returned list names every problem. */
  List<String> validate() {
    List<String> errors = new ArrayList<>();
    if (securePort < 0 || securePort > 65535) {
      errors.add("--secure-port must be between 0 and 65535, got " + securePort);
    }
    if ((tlsCertFile == null) != (tlsKeyFile == null)) {
      errors.add("--tls-cert-file and --tls-private-key-file must be given together");
    }
    if (clientCaFile != null && tlsCertFile == null) {
      errors.add("--client-ca-file needs --tls-cert-file (the generated cluster CA verifies client certificates otherwise)");
    }
    errors.addAll(io.jk.apiserver.auth.Authorizers.validateModes(authorizationModes));
    try {
      new ServiceAllocator(serviceClusterIpRange, serviceNodePortRange);
    } catch (RuntimeException e) {
      errors.add(e.getMessage());
    }
    return errors;
  }

  /**
   * Opens the store, prepares TLS and authentication, starts serving and writes the admin
   * kubeconfig. Blocking (files, keys): call it from a worker thread or {@code main}.
   */
  public Running start(Vertx vertx) throws Exception {
    List<String> errors = validate();
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    Files.createDirectories(dataDir);
    String advertise = advertiseAddress == null || advertiseAddress.isBlank() ? "127.0.0.1" : advertiseAddress;
    ServiceAllocator probe = new ServiceAllocator(serviceClusterIpRange, serviceNodePortRange);
    ClusterPki pki;
    if (tlsCertFile != null) {
      pki = ClusterPki.fromFiles(tlsCertFile, tlsKeyFile, clientCaFile);
    } else {
      List<String> sans = new ArrayList<>(List.of(advertise));
      if (!bindAddress.equals("0.0.0.0") && !bindAddress.equals("::")) {
        sans.add(bindAddress);
      }
      pki = ClusterPki.loadOrCreate(dataDir.resolve("pki"),
          ServingIdentity.standard(InetAddress.getLocalHost().getHostName(), probe.kubernetesServiceIp(), sans));
    }
    List<Authenticator> authenticators = new ArrayList<>();
    if (tokenAuthFile != null) {
      authenticators.add(TokenFileAuthenticator.load(tokenAuthFile));
    }
    if (!pki.clientCaCertificates().isEmpty()) {
      authenticators.add(new ClientCertificateAuthenticator(pki.clientCaCertificates()));
    }
    String endpoint = etcdServers == null || etcdServers.isBlank()
        ? "sqlite://" + dataDir.resolve("state.db").toAbsolutePath() : etcdServers;
    StoreOptions storeOptions = StoreOptions.defaults();
    if (etcdCaFile != null || etcdCertFile != null || etcdKeyFile != null) {
      storeOptions = storeOptions.withEtcdTls(etcdCaFile, etcdCertFile, etcdKeyFile);
    }
    // tokens signed before a restart stay valid: the key is kept in the data directory
    ServiceAccountTokens saTokens = serviceAccountTokens();
    Store store = StoreFactory.open(endpoint, storeOptions);
    ClusterPki tls = pki;
    ApiServerConfig config = customize.apply(ApiServerConfig.defaults()
        .withListen(bindAddress, securePort)
        .withAdvertiseAddress(advertise)
        .withServiceRanges(serviceClusterIpRange, serviceNodePortRange)
        .withTls(o -> TlsServerOptions.apply(o, tls))
        .withAuthenticator(Authenticator.union(authenticators))
        .withAuthorizationModes(authorizationModes)
        // pods/log, pods/exec and nodes/proxy reach kubelets with this client certificate
        .withKubeletCredentials(pki.authority().map(ca -> KubeletClientCredentials.loadOrCreate(dataDir.resolve("pki"), ca))
            .orElse(null)));
    ApiServer server = new ApiServer(vertx, config, store, saTokens);
    try {
      server.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      store.close();
      throw e;
    }
    Path kubeconfig = dataDir.resolve("admin.kubeconfig");
    if (pki.authority().isPresent()) {
      CertificateAuthority ca = pki.authority().get();
      IssuedCertificate admin = ca.issueClientCertificate("jk-admin", List.of("system:masters"), Duration.ofDays(365));
      String host = advertise.contains(":") ? "[" + advertise + "]" : advertise;
      Kubeconfigs.write(kubeconfig, Kubeconfigs.Spec.withClientCertificate("https://" + host + ":" + server.port(),
          ca.certificatePem(), "jk", "jk-admin", admin.certificatePem(), admin.privateKeyPem(), "default"));
      LOG.info("Wrote admin kubeconfig path={}", kubeconfig);
    } else {
      kubeconfig = null;
      LOG.warn("No cluster CA key (serving certificate given by flags): no admin kubeconfig written");
    }
    return new Running(server, store, kubeconfig);
  }

  /** The service account token issuer from the flags: the signing key file, or the PKI directory's sa.key. */
  private ServiceAccountTokens serviceAccountTokens() throws java.io.IOException {
    SigningKey key = serviceAccountSigningKeyFile != null
        ? SigningKey.fromPem(Files.readString(serviceAccountSigningKeyFile), serviceAccountSigningKeyFile.toString())
        : SigningKey.loadOrCreate(dataDir.resolve("pki").resolve(SigningKey.FILE));
    for (Path extra : serviceAccountKeyFiles) {
      key = key.withVerificationKeys(Files.readString(extra), extra.toString());
    }
    return new ServiceAccountTokens(key, serviceAccountIssuer, apiAudiences);
  }

  @Override
  public Integer call() throws Exception {
    List<String> errors = validate();
    if (!errors.isEmpty()) {
      errors.forEach(e -> System.err.println("error: " + e));
      return 2;
    }
    Vertx vertx = Vertx.vertx();
    Running running;
    try {
      running = start(vertx);
    } catch (Exception e) {
      LOG.error("API server failed to start err=\"{}\"", e.getMessage());
      System.err.println("error: " + e.getMessage());
      vertx.close();
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("Stopping API server");
      try {
        running.stop().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("Unclean stop err=\"{}\"", e.toString());
      }
      stopped.countDown();
    }, "apiserver-shutdown"));
    stopped.await();
    return 0;
  }
}
