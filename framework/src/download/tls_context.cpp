#include "download/tls_context.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace orbweaver::download {

namespace ssl = boost::asio::ssl;

ssl::context make_client_tls_context(const std::string& ca_file, bool verify) {
  ssl::context context(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  context.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  boost::system::error_code ec;
  context.set_default_verify_paths(ec);
  if (ec) throw std::runtime_error("cannot load the system's trusted certificates: " + ec.message());
  if (!ca_file.empty()) {
    context.load_verify_file(ca_file, ec);
    if (ec) throw std::runtime_error("cannot load CA file " + ca_file + ": " + ec.message());
  }
  context.set_verify_mode(verify ? ssl::verify_peer : ssl::verify_none);
  return context;
}

boost::system::error_code prepare_client_session(SSL* session, std::string_view host,
                                                 bool verify) {
  const std::string name(host);
  boost::system::error_code not_ip;
  boost::asio::ip::make_address(name, not_ip);
  const bool is_ip = !not_ip;
  // SNI carries host names only (RFC 6066).
  if (!is_ip && SSL_set_tlsext_host_name(session, name.c_str()) != 1) {
    return {static_cast<int>(ERR_get_error()), boost::asio::error::get_ssl_category()};
  }
  if (!verify) return {};
  X509_VERIFY_PARAM* param = SSL_get0_param(session);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  const int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                       : X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
  if (ok != 1) return {static_cast<int>(ERR_get_error()), boost::asio::error::get_ssl_category()};
  return {};
}

std::string handshake_failure_reason(SSL* session, const boost::system::error_code& ec) {
  const bool verify_failed = ec.category() == boost::asio::error::get_ssl_category() &&
                             ERR_GET_REASON(ec.value()) == SSL_R_CERTIFICATE_VERIFY_FAILED;
  const long verify_result = SSL_get_verify_result(session);
  if (verify_failed && verify_result != X509_V_OK) {
    return std::string("certificate verify failed: ") +
           X509_verify_cert_error_string(verify_result);
  }
  return ec.message();
}

}  // namespace orbweaver::download
