#include "tools/board/web.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <thread>

#include "engine/common/log.hpp"

namespace jubian::board {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

constexpr std::string_view kStatePlaceholder = "/*BOARD_STATE*/null";
constexpr auto kRequestTimeout = std::chrono::seconds(10);

// Pushes the state to one WebSocket client whenever its version has changed.
class Watcher : public std::enable_shared_from_this<Watcher> {
 public:
  Watcher(tcp::socket socket, const BoardState& state, std::chrono::milliseconds interval)
      : stream_(std::move(socket)), timer_(stream_.get_executor()), state_(state), interval_(interval) {}

  void accept(http::request<http::string_body> request) {
    stream_.text(true);
    stream_.async_accept(request, [self = shared_from_this()](beast::error_code error) {
      if (error) return;
      self->push();
      self->read();
    });
  }

 private:
  // Reads and drops what the client sends, so a close from the page is noticed.
  void read() {
    stream_.async_read(incoming_, [self = shared_from_this()](beast::error_code error, size_t) {
      if (error) {
        self->closed_ = true;
        self->timer_.cancel();
        return;
      }
      self->incoming_.clear();
      self->read();
    });
  }

  void push() {
    if (closed_) return;
    const uint64_t version = state_.version();
    if (version != sent_version_ && !writing_) {
      sent_version_ = version;
      writing_ = true;
      outgoing_ = state_.to_json();
      stream_.async_write(asio::buffer(outgoing_), [self = shared_from_this()](beast::error_code error, size_t) {
        self->writing_ = false;
        if (error) self->closed_ = true;
      });
    }
    timer_.expires_after(interval_);
    timer_.async_wait([self = shared_from_this()](beast::error_code error) {
      if (!error) self->push();
    });
  }

  websocket::stream<tcp::socket> stream_;
  asio::steady_timer timer_;
  const BoardState& state_;
  std::chrono::milliseconds interval_;
  beast::flat_buffer incoming_;
  std::string outgoing_;
  uint64_t sent_version_ = UINT64_MAX;
  bool writing_ = false;
  bool closed_ = false;
};

// One HTTP request: the page, the state, or an upgrade to a Watcher.
class Request : public std::enable_shared_from_this<Request> {
 public:
  Request(tcp::socket socket, const BoardState& state, const WebOptions& options)
      : stream_(std::move(socket)), state_(state), options_(options) {}

  void read() {
    stream_.expires_after(kRequestTimeout);
    http::async_read(stream_, buffer_, request_, [self = shared_from_this()](beast::error_code error, size_t) {
      if (!error) self->answer();
    });
  }

 private:
  void answer() {
    const std::string target(request_.target());
    if (target == "/ws" && websocket::is_upgrade(request_)) {
      stream_.expires_never();
      std::make_shared<Watcher>(stream_.release_socket(), state_, options_.push_interval)->accept(std::move(request_));
      return;
    }
    response_.version(request_.version());
    response_.keep_alive(false);
    response_.set(http::field::cache_control, "no-store");
    if (request_.method() != http::verb::get) {
      reply(http::status::method_not_allowed, "text/plain; charset=utf-8", "only GET is served\n");
    } else if (target == "/" || target.starts_with("/?")) {
      std::string page = options_.page;
      if (const auto at = page.find(kStatePlaceholder); at != std::string::npos)
        page.replace(at, kStatePlaceholder.size(), state_.to_json());
      reply(http::status::ok, "text/html; charset=utf-8", std::move(page));
    } else if (target == "/state") {
      reply(http::status::ok, "application/json", state_.to_json());
    } else {
      reply(http::status::not_found, "text/plain; charset=utf-8", "not found: " + target + "\n");
    }
  }

  void reply(http::status status, const char* type, std::string body) {
    response_.result(status);
    response_.set(http::field::content_type, type);
    response_.body() = std::move(body);
    response_.prepare_payload();
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code, size_t) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  const BoardState& state_;
  const WebOptions& options_;
};

}  // namespace

struct WebServer::Impl {
  Impl(WebOptions web_options, const BoardState& board_state)
      : options(std::move(web_options)), state(board_state), acceptor(io) {}

  void accept() {
    acceptor.async_accept([this](beast::error_code error, tcp::socket socket) {
      if (error == asio::error::operation_aborted) return;
      if (error) logger("board")->warn("accept_failed: error={}", error.message());
      else std::make_shared<Request>(std::move(socket), state, options)->read();
      accept();
    });
  }

  WebOptions options;
  const BoardState& state;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::thread thread;
};

WebServer::WebServer(WebOptions options, const BoardState& state) : impl_(std::make_unique<Impl>(std::move(options), state)) {}

WebServer::~WebServer() { stop(); }

void WebServer::start() {
  const tcp::endpoint endpoint(asio::ip::make_address(impl_->options.address), impl_->options.port);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

uint16_t WebServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void WebServer::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->io.stop();
  impl_->thread.join();
}

}  // namespace jubian::board
