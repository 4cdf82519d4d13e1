// The channel: the buffer between sources and sinks, used only through transactions (Flume's
// model). A source puts a batch and commits; a sink takes a batch and commits once the next hop
// has it, or rolls back so the events go back to the head of the channel.
//
// Threading: a Channel is shared by any number of source and sink threads. A Transaction belongs
// to the one thread that began it and must be committed or rolled back (destroying an open
// transaction rolls it back). The channel must outlive its transactions.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <vector>

#include "api/flow.h"
#include "common/status.h"
#include "sidecar/core/event.h"

namespace acequia::sidecar {

class Transaction {
 public:
  virtual ~Transaction() = default;

  // Stages events for commit. Fails with ResourceExhausted when the transaction would hold more
  // than the channel's transactionCapacity; `events` is left untouched then.
  virtual Status Put(std::vector<Event>&& events) = 0;
  // Takes up to `max` events from the head of the channel. The transaction keeps them (so that a
  // rollback can return them); the span stays valid until the next Take, Commit or Rollback.
  virtual std::span<const Event> Take(size_t max) = 0;
  // Reserves room in the channel for the staged puts, waiting up to the channel's keepAlive; then
  // fails with ResourceExhausted ("channel full"). After a successful Prepare, Commit cannot fail
  // for lack of room: a source writing to several channels prepares all of them before it
  // commits any, so a full channel means no channel got the batch.
  virtual Status Prepare() = 0;
  // Makes puts visible (preparing first if needed) and takes final. A put commit may wait up to the
  // channel's keepAlive for room and then fails with ResourceExhausted ("channel full"), leaving
  // the transaction open for Rollback.
  virtual Status Commit() = 0;
  // Returns taken events to the head of the channel, in order, and drops the staged puts — or,
  // when `unput` is given, moves them there so the caller can offer them again.
  virtual void Rollback(std::vector<Event>* unput) = 0;
};

class Channel {
 public:
  virtual ~Channel() = default;

  virtual std::unique_ptr<Transaction> Begin() = 0;
  // Blocks until the channel holds an event or `timeout` passes; true when it holds one.
  virtual bool WaitForEvents(std::chrono::milliseconds timeout) = 0;
  virtual size_t Size() const = 0;
  virtual size_t Capacity() const = 0;
  virtual size_t TransactionCapacity() const = 0;
  // Applies changed properties of the same type in place, keeping the events. Returns
  // InvalidArgument when the change cannot be applied live (the caller then replaces the channel).
  virtual Status Reconfigure(const api::ComponentConfig& config) = 0;
  // Makes every WaitForEvents call in progress return now (a sink runner that is stopping).
  virtual void WakeWaiters() = 0;
  // Wakes every waiter for good; used at shutdown.
  virtual void Close() = 0;
};

}  // namespace acequia::sidecar
