#pragma once
// The board's web server (Boost.Beast) on one thread:
//   GET /       the page, with the current state embedded so it renders without a socket
//   GET /state  the state as JSON
//   GET /ws     a WebSocket that receives the state whenever it has changed, at most
//               once per push_interval. A client that has not yet taken the previous
//               state is skipped (conflated), so nothing queues up for it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "tools/board/state.hpp"

namespace jubian::board {

struct WebOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;
  std::string page;  // the HTML; the text /*BOARD_STATE*/null is replaced by the state
  std::chrono::milliseconds push_interval{250};
};

class WebServer {
 public:
  WebServer(WebOptions options, const BoardState& state);
  ~WebServer();
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  // Binds and starts the server thread; throws boost::system::system_error when binding fails.
  void start();
  uint16_t port() const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jubian::board
