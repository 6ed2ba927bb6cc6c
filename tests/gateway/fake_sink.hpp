#pragma once
// A stand-in for the pipeline: answers every command on its own responder thread with
// code ok, a rising sequence number and values[0] = the actor, the way the real
// responder does (push, decrement in_flight, notify).

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "engine/server/server.hpp"

namespace jubian::testing {

class FakeSink final : public server::CommandSink {
 public:
  FakeSink() : responder_([this] { run(); }) {}
  ~FakeSink() override { stop(); }

  bool submit(pipeline::SessionPort* port, Command command) override {
    std::lock_guard lock(mutex_);
    if (stopping_ || refuse_) return false;
    port->in_flight.fetch_add(1, std::memory_order_acq_rel);
    queue_.push_back({port, std::move(command)});
    ready_.notify_one();
    return true;
  }

  server::PipelineGauges gauges() const override {
    std::lock_guard lock(mutex_);
    return {queue_.size(), seq_, false, {}, {}};
  }

  // While held, commands queue up unanswered (to reach the in-flight limit).
  void hold(bool held) {
    std::lock_guard lock(mutex_);
    held_ = held;
    ready_.notify_one();
  }
  void refuse(bool refused) {
    std::lock_guard lock(mutex_);
    refuse_ = refused;
  }
  uint64_t answered() const {
    std::lock_guard lock(mutex_);
    return seq_;
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      held_ = false;
      ready_.notify_one();
    }
    if (responder_.joinable()) responder_.join();
  }

 private:
  struct Item {
    pipeline::SessionPort* port;
    Command command;
  };

  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      ready_.wait(lock, [&] { return stopping_ || (!held_ && !queue_.empty()); });
      if (queue_.empty() && stopping_) return;
      Item item = std::move(queue_.front());
      queue_.pop_front();
      const Seq seq = ++seq_;
      lock.unlock();
      answer(item, seq);
      lock.lock();
    }
  }

  static void answer(Item& item, Seq seq) {
    auto* port = item.port;
    if (port->closed.load(std::memory_order_acquire)) return;
    Reply reply{ResultCode::ok, seq, static_cast<TimeNs>(seq) * 1000, {static_cast<int64_t>(item.command.actor.value), 0, 0, 0}};
    const pipeline::Response response{item.command.type(), item.command.request_id, reply, ""};
    while (!port->responses.push(response)) std::this_thread::yield();
    if (port->notify) port->notify();
    // The last access: once in_flight reads zero on a closed port, the gateway may free it.
    port->in_flight.fetch_sub(1, std::memory_order_acq_rel);
  }

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  bool held_ = false;
  bool refuse_ = false;
  Seq seq_ = 0;
  std::thread responder_;
};

}  // namespace jubian::testing
