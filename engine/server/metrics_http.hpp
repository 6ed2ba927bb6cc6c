#pragma once
// A minimal HTTP/1.1 endpoint for Prometheus scrapes: GET /metrics returns the text
// format, anything else 404. One request per connection; requests larger than
// kRequestBytesMax are dropped. Bind it to loopback: it has no authentication.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>

#include "engine/server/metrics.hpp"

namespace jubian::server {

class MetricsEndpoint {
 public:
  static constexpr size_t kRequestBytesMax = 8192;

  // Binds and starts accepting; throws boost::system::system_error when it cannot bind.
  MetricsEndpoint(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint, const Metrics& metrics,
                  std::function<PipelineGauges()> gauges);

  uint16_t port() const { return port_; }
  void close();  // safe from any thread

 private:
  void accept();
  void serve(boost::asio::ip::tcp::socket socket);

  boost::asio::ip::tcp::acceptor acceptor_;
  const Metrics& metrics_;
  std::function<PipelineGauges()> gauges_;
  uint16_t port_ = 0;
};

}  // namespace jubian::server
