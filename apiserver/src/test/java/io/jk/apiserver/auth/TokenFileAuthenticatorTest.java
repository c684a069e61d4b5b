package io.jk.apiserver.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TokenFileAuthenticatorTest {

  @Test
  void readsKubeApiserverTokenFiles() {
    TokenFileAuthenticator tokens = TokenFileAuthenticator.parse("""
        tok1,alice,u1,"devs,ops"
        "tok,2",bob,u2

         tok3, carol ,u3,"a ""quoted"" group",ignored
        tok4,dave,u4,
        """, "tokens.csv");

    assertEquals(4, tokens.size());
    assertEquals(Optional.of(new UserInfo("alice", "u1", List.of("devs", "ops"))), tokens.authenticate("Bearer tok1", List.of()));
    assertEquals(Optional.of(new UserInfo("bob", "u2", List.of())), tokens.authenticate("Bearer tok,2", List.of()));
    assertEquals(List.of("a \"quoted\" group"), tokens.authenticate("bearer  tok3 ", List.of()).orElseThrow().groups());
    assertEquals("carol ", tokens.authenticate("Bearer tok3", List.of()).orElseThrow().name());
    assertEquals(List.of(), tokens.authenticate("Bearer tok4", List.of()).orElseThrow().groups());

    assertEquals(Optional.empty(), tokens.authenticate("Bearer tok5", List.of()));
    assertEquals(Optional.empty(), tokens.authenticate("Basic dG9rMQ==", List.of()));
    assertEquals(Optional.empty(), tokens.authenticate("Bearer ", List.of()));
    assertEquals(Optional.empty(), tokens.authenticate(null, List.of()));
  }

  @Test
  void everyBadLineIsReportedWithItsNumber() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenFileAuthenticator.parse("""
        good,user,uid
        only,two
        "unterminated,user,uid
        ,nouser,uid
        tok,,uid
        tok"x,user,uid
        """, "tokens.csv"));
    String message = e.getMessage();
    assertTrue(message.contains("tokens.csv line 2: must have at least 3 columns (token, user name, user uid), found 2"),
        message);
    assertTrue(message.contains("tokens.csv line 3: unterminated quoted field"), message);
    assertTrue(message.contains("tokens.csv line 4: empty token"), message);
    assertTrue(message.contains("tokens.csv line 5: empty user name"), message);
    assertTrue(message.contains("tokens.csv line 6: bare quote"), message);
    assertTrue(!message.contains("line 1:"), message);
  }

  @Test
  void unionAddsSystemAuthenticatedAndTriesEachAuthenticator() {
    Authenticator union = Authenticator.union(List.of(
        TokenFileAuthenticator.parse("a,alice,1\n", "first"),
        TokenFileAuthenticator.parse("b,bob,2,system:masters\n", "second")));
    assertEquals(List.of("system:authenticated"), union.authenticate("Bearer a", List.of()).orElseThrow().groups());
    assertEquals(List.of("system:masters", "system:authenticated"),
        union.authenticate("Bearer b", List.of()).orElseThrow().groups());
    assertEquals(Optional.empty(), union.authenticate("Bearer c", List.of()));
  }
}
