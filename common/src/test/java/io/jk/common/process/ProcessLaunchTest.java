package io.jk.common.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProcessLaunchTest {
  private final String before = System.getProperty(ProcessLaunch.PROPERTY);

  @AfterEach
  void restore() {
    if (before == null) {
      System.clearProperty(ProcessLaunch.PROPERTY);
    } else {
      System.setProperty(ProcessLaunch.PROPERTY, before);
    }
  }

  @Test
  void choosesVforkOnlyBeforeJdk22() {
    System.clearProperty(ProcessLaunch.PROPERTY);
    ProcessLaunch.preferVfork();
    assertEquals(Runtime.version().feature() < 22 ? "VFORK" : null, System.getProperty(ProcessLaunch.PROPERTY));
  }

  @Test
  void keepsAMechanismChosenOnTheCommandLine() {
    System.setProperty(ProcessLaunch.PROPERTY, "FORK");
    ProcessLaunch.preferVfork();
    assertEquals("FORK", System.getProperty(ProcessLaunch.PROPERTY));
  }
}
