package io.jk.common.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * The one place where jk's JSON and YAML mappers are configured.
 *
 * <p>Both mappers carry explicit input limits (nesting depth, string and number length, YAML
 * aliases and size) so that a hostile request body fails fast with a parse error instead of
 * exhausting the CPU or the heap (CVE-2019-11253 class).
 */
public final class Json {

  /** Deepest nesting accepted in a document. */
  public static final int MAX_DEPTH = 200;
  /** Longest string value accepted (the request body cap is 3 MiB anyway). */
  public static final int MAX_STRING_LENGTH = 4 * 1024 * 1024;
  /** Longest number literal accepted. */
  public static final int MAX_NUMBER_LENGTH = 100;

  private static final StreamReadConstraints LIMITS = StreamReadConstraints.builder()
      .maxNestingDepth(MAX_DEPTH)
      .maxStringLength(MAX_STRING_LENGTH)
      .maxNumberLength(MAX_NUMBER_LENGTH)
      .maxNameLength(64 * 1024)
      .build();

  private static final ObjectMapper JSON = configure(new ObjectMapper(
      JsonFactory.builder().streamReadConstraints(LIMITS).build()));

  private static final ObjectMapper YAML = configure(new ObjectMapper(yamlFactory()));

  private Json() {}

  /** The shared JSON mapper (thread-safe; do not reconfigure). */
  public static ObjectMapper mapper() {
    return JSON;
  }

  /** The shared YAML mapper (thread-safe; do not reconfigure). */
  public static ObjectMapper yamlMapper() {
    return YAML;
  }

  private static YAMLFactory yamlFactory() {
    LoaderOptions loader = new LoaderOptions();
    loader.setMaxAliasesForCollections(20);
    loader.setNestingDepthLimit(MAX_DEPTH);
    loader.setCodePointLimit(4 * 1024 * 1024);
    loader.setAllowDuplicateKeys(false);
    return YAMLFactory.builder()
        .loaderOptions(loader)
        .streamReadConstraints(LIMITS)
        .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
        .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
        .build();
  }

  private static ObjectMapper configure(ObjectMapper mapper) {
    return mapper
        .setSerializationInclusion(JsonInclude.Include.NON_NULL)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
  }
}
