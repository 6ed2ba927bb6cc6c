#include "engine/server/metrics_http.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <memory>
#include <string>

namespace jubian::server {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

struct Exchange {
  explicit Exchange(tcp::socket s) : socket(std::move(s)), request(MetricsEndpoint::kRequestBytesMax) {}
  tcp::socket socket;
  asio::streambuf request;
  std::string response;
};

std::string http_response(std::string_view status, std::string_view content_type, std::string_view body) {
  std::string out;
  out.reserve(body.size() + 160);
  out.append("HTTP/1.1 ").append(status).append("\r\nContent-Type: ").append(content_type);
  out.append("\r\nContent-Length: ").append(std::to_string(body.size()));
  out.append("\r\nConnection: close\r\n\r\n").append(body);
  return out;
}

}  // namespace

MetricsEndpoint::MetricsEndpoint(asio::io_context& io, const tcp::endpoint& endpoint, const Metrics& metrics,
                                 std::function<PipelineGauges()> gauges)
    : acceptor_(asio::make_strand(io)), metrics_(metrics), gauges_(std::move(gauges)) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  accept();
}

void MetricsEndpoint::close() {
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
}

void MetricsEndpoint::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& error, tcp::socket socket) {
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!error) serve(std::move(socket));
    accept();
  });
}

void MetricsEndpoint::serve(tcp::socket socket) {
  auto exchange = std::make_shared<Exchange>(std::move(socket));
  asio::async_read_until(exchange->socket, exchange->request, "\r\n\r\n",
                         [this, exchange](const boost::system::error_code& error, size_t) {
                           if (error) return;  // the request was too large or the peer left
                           const auto data = exchange->request.data();
                           const std::string head(asio::buffers_begin(data), asio::buffers_end(data));
                           if (head.starts_with("GET /metrics ") || head.starts_with("GET /metrics?")) {
                             exchange->response = http_response("200 OK", "text/plain; version=0.0.4",
                                                                render_prometheus(metrics_, gauges_()));
                           } else {
                             exchange->response = http_response("404 Not Found", "text/plain", "not found\n");
                           }
                           asio::async_write(exchange->socket, asio::buffer(exchange->response),
                                             [exchange](const boost::system::error_code&, size_t) {
                                               boost::system::error_code ignored;
                                               exchange->socket.shutdown(tcp::socket::shutdown_both, ignored);
                                             });
                         });
}

}  // namespace jubian::server
