package io.jk.scheduler.hollow;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;

/**
 * The parts of a Pod a hollow kubelet (and the benchmark) reads: metadata, the node it is bound
 * to, its containers' names and images, and its phase. Decoding only these lets the parser skip
 * the rest of every pod of every watch event instead of building the full model.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonDeserialize(using = JsonDeserializer.None.class) // not KubernetesResource's polymorphic one
public final class PodSummary implements HasMetadata {
  private String apiVersion;
  private ObjectMeta metadata;
  private Spec spec = new Spec();
  private Status status = new Status();

  /** {@code spec}: the node and the containers. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class Spec {
    private String nodeName;
    private List<Container> containers = List.of();

    public String getNodeName() {
      return nodeName;
    }

    public void setNodeName(String nodeName) {
      this.nodeName = nodeName;
    }

    public List<Container> getContainers() {
      return containers;
    }

    public void setContainers(List<Container> containers) {
      this.containers = containers == null ? List.of() : containers;
    }
  }

  /** A container's name and image. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class Container {
    private String name;
    private String image;

    public String getName() {
      return name;
    }

    public void setName(String name) {
      this.name = name;
    }

    public String getImage() {
      return image;
    }

    public void setImage(String image) {
      this.image = image;
    }
  }

  /** {@code status}: the phase. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class Status {
    private String phase;

    public String getPhase() {
      return phase;
    }

    public void setPhase(String phase) {
      this.phase = phase;
    }
  }

  @Override
  public ObjectMeta getMetadata() {
    return metadata;
  }

  @Override
  public void setMetadata(ObjectMeta metadata) {
    this.metadata = metadata;
  }

  @Override
  public String getApiVersion() {
    return apiVersion == null ? "v1" : apiVersion;
  }

  @Override
  public void setApiVersion(String version) {
    this.apiVersion = version;
  }

  @Override
  public String getKind() {
    return "Pod";
  }

  public Spec getSpec() {
    return spec;
  }

  public void setSpec(Spec spec) {
    this.spec = spec == null ? new Spec() : spec;
  }

  public Status getStatus() {
    return status;
  }

  public void setStatus(Status status) {
    this.status = status == null ? new Status() : status;
  }
}
