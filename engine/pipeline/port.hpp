#pragma once
// The boundary between the gateway and the pipeline.
//
// A session owns a SessionPort. Gateway threads submit commands through
// Pipeline::submit (many producers, one moodycamel::ConcurrentQueue). The pipeline's
// responder thread is the single producer of every port's response queue
// (boost::lockfree::spsc_queue); the session's I/O thread is its single consumer.
// A response is pushed only after the command's journal batch is durable (sync mode)
// or written (async mode).

#include <boost/lockfree/spsc_queue.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <thread>

#include "engine/common/context.hpp"
#include "engine/core/command.hpp"

namespace jubian::pipeline {

struct Response {
  uint16_t type = 0;        // the command's type
  RequestId request_id;     // echoed from the command envelope
  Reply reply;
  std::string detail;       // report text of queries; empty for most commands
};

class SessionPort {
 public:
  explicit SessionPort(size_t capacity) : responses(capacity) {}

  boost::lockfree::spsc_queue<Response> responses;  // by value: no allocation per response
  // Callback that the responder calls once after each run of pushes. The gateway sets it,
  // for example to post a drain onto the session's strand, and it must not block.
  std::function<void()> notify;
  std::atomic<uint32_t> in_flight{0};  // submitted, and the response not yet released by the responder
  std::atomic<bool> closed{false};     // set by the gateway, after which the responder drops responses

  // The responder's own: responses pushed or dropped since it last notified this session.
  uint32_t answered = 0;

  // Waits until the responder has released every command submitted here. Only then may
  // the owner free the port, because the responder touches it shortly after the last push.
  // Returns false on timeout. After a journal failure the remaining commands are never
  // released, so the pipeline must stop before the port is freed.
  bool wait_released(std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (in_flight.load(std::memory_order_acquire) != 0) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::yield();
    }
    return true;
  }
};

// Receives every event of every applied command, in sequence order, on the responder
// thread, after the command is durable. The gateway routes them to subscriptions.
class EventListener {
 public:
  virtual ~EventListener() = default;
  virtual void on_events(std::span<const Event> events) = 0;
};

}  // namespace jubian::pipeline
