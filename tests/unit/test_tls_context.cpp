// tls_context.h: the server's TLS settings, and loading them again. Certificates are made by
// the openssl CLI in a temporary directory; handshakes run in memory (a BIO pair), so what a
// client of each kind gets (refused, or which cipher and version, which certificate) is
// checked without sockets.
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>

#include "net/tls_context.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using proof::net::certificate_expiry;
using proof::net::TlsContext;

namespace {

/// Certificates for every test case, made once per run and removed at exit.
struct Certificates {
  fs::path dir;
  Certificates() {
    std::string pattern = (fs::temp_directory_path() / "proof-tls-test.XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
    const std::string d = dir.string();
    const std::string quiet = " >/dev/null 2>&1";
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    const std::string commands[] = {
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -keyout " + d +
            "/rsa.key -out " + d + "/rsa.pem",
        "openssl req -x509" + ec + " -days 1 -subj /CN=localhost -keyout " + d + "/ec.key -out " +
            d + "/ec.pem",
        "openssl req -x509" + ec + " -days 1 -subj /CN=other -keyout " + d + "/other.key -out " +
            d + "/other.pem",
        "openssl req -x509" + ec + " -days 400 -subj /CN=long -keyout " + d + "/long.key -out " +
            d + "/long.pem",
        // A leaf signed by a CA of ours, and the chain file the server is given: leaf, CA.
        "openssl req -x509" + ec + " -days 1 -subj /CN=proof-test-ca -keyout " + d +
            "/ca.key -out " + d + "/ca.pem",
        "openssl req" + ec + " -subj /CN=localhost -keyout " + d + "/leaf.key -out " + d +
            "/leaf.csr",
        "openssl x509 -req -days 1 -in " + d + "/leaf.csr -CA " + d + "/ca.pem -CAkey " + d +
            "/ca.key -CAcreateserial -out " + d + "/leaf.pem",
    };
    for (const auto& command : commands) {
      INFO(command);
      REQUIRE(std::system((command + quiet).c_str()) == 0);
    }
    {
      std::ofstream chain(dir / "chain.pem");
      chain << std::ifstream(dir / "leaf.pem").rdbuf() << std::ifstream(dir / "ca.pem").rdbuf();
    }
    std::ofstream(dir / "garbage.pem") << "this is not PEM\n";
  }
  ~Certificates() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  std::string operator()(const char* name) const { return (dir / name).string(); }
};

const Certificates& certs() {
  static const Certificates made;
  return made;
}

std::unique_ptr<TlsContext> load(const char* cert, const char* key) {
  std::string error;
  auto context = TlsContext::load(certs()(cert), certs()(key), error);
  INFO(error);
  REQUIRE(context);
  CHECK(error.empty());
  return context;
}

std::string load_error(const std::string& cert, const std::string& key) {
  std::string error;
  const auto context = TlsContext::load(cert, key, error);
  CHECK_FALSE(context);
  return error;
}

struct Handshake {
  bool ok = false;
  std::string version;
  std::string cipher;
  int chain_length = 0;  // certificates the server sent
  std::string subject;   // the common name of the certificate it presented
};

/// A full handshake in memory between a server-side SSL object (taken over and freed) and a
/// client set up by `configure`.
Handshake handshake(SSL* accepted, const std::function<void(SSL_CTX*)>& configure) {
  REQUIRE(accepted != nullptr);
  SSL_CTX* client_ctx = SSL_CTX_new(TLS_client_method());
  REQUIRE(client_ctx != nullptr);
  SSL_CTX_set_security_level(client_ctx, 0);  // let the client offer old things on purpose
  configure(client_ctx);
  SSL* client = SSL_new(client_ctx);
  BIO* client_end = nullptr;
  BIO* server_end = nullptr;
  REQUIRE(BIO_new_bio_pair(&client_end, 0, &server_end, 0) == 1);
  SSL_set_bio(client, client_end, client_end);
  SSL_set_bio(accepted, server_end, server_end);
  SSL_set_connect_state(client);
  SSL_set_accept_state(accepted);

  Handshake result;
  bool client_done = false, server_done = false, failed = false;
  for (int round = 0; round < 20 && !failed && !(client_done && server_done); ++round) {
    for (SSL* side : {client, accepted}) {
      bool& done = side == client ? client_done : server_done;
      if (done) continue;
      const int rc = SSL_do_handshake(side);
      if (rc == 1) {
        done = true;
      } else {
        const int why = SSL_get_error(side, rc);
        if (why != SSL_ERROR_WANT_READ && why != SSL_ERROR_WANT_WRITE) failed = true;
      }
    }
  }
  result.ok = client_done && server_done && !failed;
  if (result.ok) {
    result.version = SSL_get_version(client);
    result.cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(client));
    const STACK_OF(X509)* chain = SSL_get_peer_cert_chain(client);
    result.chain_length = chain != nullptr ? sk_X509_num(chain) : 0;
    if (X509* peer = SSL_get1_peer_certificate(client)) {
      char name[256] = "";
      X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, name, sizeof name);
      result.subject = name;
      X509_free(peer);
    }
  }
  ERR_clear_error();
  SSL_free(client);
  SSL_free(accepted);
  SSL_CTX_free(client_ctx);
  return result;
}

Handshake handshake(SSL_CTX* server, const std::function<void(SSL_CTX*)>& configure) {
  return handshake(SSL_new(server), configure);
}

/// A modern client's handshake with a connection made by `context` now.
Handshake handshake(const TlsContext& context) {
  return handshake(context.new_connection(), [](SSL_CTX*) {});
}

/// What a renewal does to the files the server was started with: new contents in place.
void replace(const fs::path& target, const char* source) {
  fs::copy_file(certs()(source), target, fs::copy_options::overwrite_existing);
}

std::int64_t seconds_from_now(std::int64_t days) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return now.count() + days * 24 * 3600;
}

void tls12_only(SSL_CTX* ctx, const char* ciphers) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
  REQUIRE(SSL_CTX_set_cipher_list(ctx, ciphers) == 1);
}

}  // namespace

TEST_CASE("the context allows TLS 1.2+ and only forward-secret AEAD suites in TLS 1.2",
          "[tls_context]") {
  const auto context = load("rsa.pem", "rsa.key");
  CHECK(SSL_CTX_get_min_proto_version(context->current().get()) == TLS1_2_VERSION);
  const long options = static_cast<long>(SSL_CTX_get_options(context->current().get()));
  CHECK((options & SSL_OP_CIPHER_SERVER_PREFERENCE) != 0);
  CHECK((options & SSL_OP_NO_COMPRESSION) != 0);
  CHECK((options & SSL_OP_NO_RENEGOTIATION) != 0);
  CHECK((options & SSL_OP_NO_TICKET) != 0);
  CHECK(SSL_CTX_get_num_tickets(context->current().get()) == 0);

  std::set<std::string> tls12;
  const STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(context->current().get());
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    const SSL_CIPHER* cipher = sk_SSL_CIPHER_value(ciphers, i);
    if (SSL_CIPHER_get_protocol_id(cipher) >> 8 == 0x13) continue;  // TLS 1.3 suites
    INFO(SSL_CIPHER_get_name(cipher));
    CHECK(SSL_CIPHER_get_kx_nid(cipher) == NID_kx_ecdhe);
    CHECK(SSL_CIPHER_is_aead(cipher) == 1);
    tls12.insert(SSL_CIPHER_get_name(cipher));
  }
  CHECK(tls12 ==
        std::set<std::string>{"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
                              "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
                              "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305"});
}

TEST_CASE("clients get TLS 1.3, or TLS 1.2 ECDHE AEAD in the server's order", "[tls_context]") {
  const auto rsa = load("rsa.pem", "rsa.key");
  const Handshake modern = handshake(rsa->current().get(), [](SSL_CTX*) {});
  CHECK(modern.ok);
  CHECK(modern.version == "TLSv1.3");

  // The client prefers ChaCha20; the server's order puts AES-128-GCM first.
  const Handshake ordered = handshake(rsa->current().get(), [](SSL_CTX* ctx) {
    tls12_only(ctx,
               "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384:"
               "ECDHE-RSA-AES128-GCM-SHA256");
  });
  CHECK(ordered.ok);
  CHECK(ordered.version == "TLSv1.2");
  CHECK(ordered.cipher == "ECDHE-RSA-AES128-GCM-SHA256");

  const Handshake chacha = handshake(
      rsa->current().get(), [](SSL_CTX* ctx) { tls12_only(ctx, "ECDHE-RSA-CHACHA20-POLY1305"); });
  CHECK(chacha.ok);
  CHECK(chacha.cipher == "ECDHE-RSA-CHACHA20-POLY1305");

  // Refused: CBC (LUCKY13), static RSA key exchange, finite-field DHE, and TLS 1.1.
  for (const char* refused : {"ECDHE-RSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA",
                              "AES128-GCM-SHA256", "AES256-SHA", "DHE-RSA-AES128-GCM-SHA256"}) {
    INFO(refused);
    CHECK_FALSE(
        handshake(rsa->current().get(), [&](SSL_CTX* ctx) { tls12_only(ctx, refused); }).ok);
  }
  CHECK_FALSE(handshake(rsa->current().get(), [](SSL_CTX* ctx) {
                SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
                SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);
                SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
              }).ok);
}

TEST_CASE("an ECDSA certificate serves the ECDSA suites", "[tls_context]") {
  const auto ec = load("ec.pem", "ec.key");
  const Handshake ordered = handshake(ec->current().get(), [](SSL_CTX* ctx) {
    tls12_only(ctx, "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256");
  });
  CHECK(ordered.ok);
  CHECK(ordered.cipher == "ECDHE-ECDSA-AES128-GCM-SHA256");
  CHECK(handshake(ec->current().get(), [](SSL_CTX*) {}).version == "TLSv1.3");
}

TEST_CASE("the whole certificate chain file is sent", "[tls_context]") {
  const auto chained = load("chain.pem", "leaf.key");
  const Handshake result = handshake(chained->current().get(), [](SSL_CTX*) {});
  CHECK(result.ok);
  CHECK(result.chain_length == 2);  // the leaf and the CA
}

TEST_CASE("a key that is not the certificate's is refused with a clear error", "[tls_context]") {
  const std::string mismatched = load_error(certs()("ec.pem"), certs()("other.key"));
  CHECK(mismatched == "the TLS private key in " + certs()("other.key") +
                          " does not match the certificate in " + certs()("ec.pem"));
  // An RSA key for an ECDSA certificate: the same sentence.
  CHECK(load_error(certs()("ec.pem"), certs()("rsa.key")) ==
        "the TLS private key in " + certs()("rsa.key") + " does not match the certificate in " +
            certs()("ec.pem"));
}

TEST_CASE("unreadable or non-PEM files are named in the error", "[tls_context]") {
  const std::string missing = certs()("missing.pem");
  CHECK_THAT(load_error(missing, certs()("rsa.key")),
             Catch::StartsWith("cannot load the TLS certificate chain from " + missing + ": "));
  CHECK_THAT(load_error(certs()("garbage.pem"), certs()("rsa.key")),
             Catch::StartsWith("cannot load the TLS certificate chain from " +
                               certs()("garbage.pem") + ": "));
  CHECK_THAT(
      load_error(certs()("rsa.pem"), certs()("garbage.pem")),
      Catch::StartsWith("cannot load the TLS private key from " + certs()("garbage.pem") + ": "));
  // The certificate itself as the key: not a key.
  CHECK_THAT(load_error(certs()("rsa.pem"), certs()("rsa.pem")),
             Catch::StartsWith("cannot load the TLS private key from "));
}

TEST_CASE("a reload gives new connections the new pair, and open ones keep theirs",
          "[tls_context]") {
  const proof::test::TempDir live("tls-reload");
  fs::create_directories(live.path);
  const fs::path cert = live.path / "fullchain.pem";
  const fs::path key = live.path / "privkey.pem";
  replace(cert, "rsa.pem");
  replace(key, "rsa.key");
  std::string error;
  const auto context = TlsContext::load(cert.string(), key.string(), error);
  REQUIRE(context);
  CHECK(handshake(*context).subject == "localhost");

  // A connection accepted before the renewal, whose handshake is still to come.
  SSL* accepted_before = context->new_connection();
  replace(cert, "other.pem");
  replace(key, "other.key");
  INFO(error);
  REQUIRE(context->reload(error));
  const Handshake renewed = handshake(*context);
  CHECK(renewed.ok);
  CHECK(renewed.subject == "other");
  const Handshake before = handshake(accepted_before, [](SSL_CTX*) {});
  CHECK(before.ok);
  CHECK(before.subject == "localhost");
}

TEST_CASE("a reload of a broken pair is refused and the old pair kept", "[tls_context]") {
  const proof::test::TempDir live("tls-broken");
  fs::create_directories(live.path);
  const fs::path cert = live.path / "fullchain.pem";
  const fs::path key = live.path / "privkey.pem";
  replace(cert, "ec.pem");
  replace(key, "ec.key");
  std::string error;
  const auto context = TlsContext::load(cert.string(), key.string(), error);
  REQUIRE(context);
  const auto in_use = context->current();
  const std::int64_t expiry = context->expires_at();

  // Half a renewal: the new certificate beside the old key.
  replace(cert, "long.pem");
  CHECK_FALSE(context->reload(error));
  CHECK(error == "the TLS private key in " + key.string() + " does not match the certificate in " +
                     cert.string());
  // Not PEM at all.
  std::ofstream(cert, std::ios::trunc) << "this is not PEM\n";
  CHECK_FALSE(context->reload(error));
  CHECK_THAT(error,
             Catch::StartsWith("cannot load the TLS certificate chain from " + cert.string()));
  // The key gone.
  replace(cert, "ec.pem");
  fs::remove(key);
  CHECK_FALSE(context->reload(error));
  CHECK_THAT(error, Catch::StartsWith("cannot load the TLS private key from " + key.string()));

  CHECK(context->current() == in_use);
  CHECK(context->expires_at() == expiry);
  const Handshake still = handshake(*context);
  CHECK(still.ok);
  CHECK(still.subject == "localhost");
}

TEST_CASE("the certificate's expiry is read in seconds since the epoch, and follows a reload",
          "[tls_context]") {
  const proof::test::TempDir live("tls-expiry");
  fs::create_directories(live.path);
  const fs::path cert = live.path / "fullchain.pem";
  const fs::path key = live.path / "privkey.pem";
  replace(cert, "other.pem");
  replace(key, "other.key");
  std::string error;
  const auto context = TlsContext::load(cert.string(), key.string(), error);
  REQUIRE(context);
  // openssl req -days N: notAfter is N days after the moment it was made, a little earlier.
  const auto near = [](std::int64_t value, std::int64_t expected) {
    return value <= expected && value > expected - 600;
  };
  CHECK(near(context->expires_at(), seconds_from_now(1)));
  replace(cert, "long.pem");
  replace(key, "long.key");
  REQUIRE(context->reload(error));
  CHECK(near(context->expires_at(), seconds_from_now(400)));
  CHECK_FALSE(certificate_expiry(nullptr));
}
