//! Connection slots: how the preview keeps answering a browser while something else holds many
//! connections open (clients sending their request a byte a second, thousands of idle sockets).
//!
//! Every connection holds a slot, and a thread, from accept to close; there are at most `max`.
//! A connection is *waiting* for the head of a request (just opened, idle between keep-alive
//! requests, or sending slowly), *busy* answering one, or *streaming* live-reload events. When
//! every slot is taken, a new connection takes the slot of another, which is shut down:
//!
//! 1. the one that has waited longest for a request head. A browser sends its request head as
//!    soon as it has connected, so it is never the one waiting longest; an idle keep-alive
//!    socket of its that is closed costs it a new connection, no more;
//! 2. failing that, the busy one whose response has made no progress (no byte taken by its
//!    client) for longest, if that is at least `stall`: a client that stopped reading. A
//!    browser reads what it asked for, so its responses keep moving.
//!
//! Only when no slot can be freed this way is a new connection refused, with a 503
//! ([`Refuser`]). Event streams are not evicted (they are quiet by nature, and a browser keeps
//! one open, or one per tab where it has no shared workers); instead at most `max_streams` slots may stream, half of them by default, so that
//! streams can never take every slot. A response that lasts too long is ended by its own
//! connection (see `http`), whether or not its slot is wanted.
//!
//! A limit per client address would not tell the browser apart: every local client is
//! `127.0.0.1` or `::1`. How long a connection has waited for its request, or for its client to
//! read, does.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The connections open, up to a maximum.
#[derive(Debug)]
pub(crate) struct Slots {
    max: usize,
    max_streams: usize,
    stall: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    next: u64,
    open: HashMap<u64, Slot>,
}

#[derive(Debug)]
struct Slot {
    stream: Arc<TcpStream>,
    phase: Phase,
}

/// What a connection is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request head since then.
    Waiting(Instant),
    /// Answering a request; its client last took some of the response then.
    Busy(Instant),
    /// Sending live-reload events.
    Streaming,
}

impl Slots {
    /// Room for `max` connections (at least one), at most `max_streams` of them event streams
    /// (at least one); a busy connection whose response has not moved for `stall` may give way
    /// to a new one.
    pub(crate) fn new(max: usize, max_streams: usize, stall: Duration) -> Arc<Slots> {
        Arc::new(Slots {
            max: max.max(1),
            max_streams: max_streams.max(1),
            stall,
            state: Mutex::default(),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Gives `stream` a slot, waiting for its first request. When all are taken, another
    /// connection is shut down and gives up its slot: the one that has waited longest for a
    /// request head, else the busy one stalled longest (at least `stall`); `None` when there is
    /// none.
    pub(crate) fn admit(self: &Arc<Self>, stream: &Arc<TcpStream>) -> Option<Held> {
        let mut state = self.state();
        if state.open.len() >= self.max {
            let now = Instant::now();
            let waiting = state
                .open
                .iter()
                .filter_map(|(&id, slot)| match slot.phase {
                    Phase::Waiting(since) => Some((since, id)),
                    _ => None,
                });
            let stalled = state
                .open
                .iter()
                .filter_map(|(&id, slot)| match slot.phase {
                    Phase::Busy(progress) if now.duration_since(progress) >= self.stall => {
                        Some((progress, id))
                    }
                    _ => None,
                });
            let (_, victim) = waiting.min().or_else(|| stalled.min())?;
            if let Some(slot) = state.open.remove(&victim) {
                // Its thread's read or write returns at once, and the thread ends.
                let _ = slot.stream.shutdown(Shutdown::Both);
            }
        }
        let id = state.next;
        state.next += 1;
        let slot = Slot {
            stream: stream.clone(),
            phase: Phase::Waiting(Instant::now()),
        };
        state.open.insert(id, slot);
        Some(Held {
            slots: self.clone(),
            id,
        })
    }

    /// Connections holding a slot.
    #[cfg(test)]
    pub(crate) fn open(&self) -> usize {
        self.state().open.len()
    }

    fn set_phase(&self, id: u64, phase: Phase) {
        if let Some(slot) = self.state().open.get_mut(&id) {
            slot.phase = phase;
        }
    }
}

/// A connection's slot, given back when dropped.
#[derive(Debug)]
pub(crate) struct Held {
    slots: Arc<Slots>,
    id: u64,
}

impl Held {
    /// The connection waits for a request head from now on (and may be evicted).
    pub(crate) fn waiting(&self) {
        self.slots
            .set_phase(self.id, Phase::Waiting(Instant::now()));
    }

    /// The connection has a whole request and answers it (it is evicted only once its response
    /// stalls).
    pub(crate) fn busy(&self) {
        self.slots.set_phase(self.id, Phase::Busy(Instant::now()));
    }

    /// The client took some of the response just now.
    pub(crate) fn progress(&self) {
        let mut state = self.slots.state();
        if let Some(slot) = state.open.get_mut(&self.id)
            && let Phase::Busy(progress) = &mut slot.phase
        {
            *progress = Instant::now();
        }
    }

    /// Turns the connection into an event stream (never evicted), if fewer than `max_streams`
    /// slots stream already; false otherwise, or if the slot was taken from it.
    pub(crate) fn stream(&self) -> bool {
        let mut state = self.slots.state();
        let streams = state
            .open
            .values()
            .filter(|slot| slot.phase == Phase::Streaming)
            .count();
        match state.open.get_mut(&self.id) {
            Some(slot) if streams < self.slots.max_streams => {
                slot.phase = Phase::Streaming;
                true
            }
            _ => false,
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.slots.state().open.remove(&self.id);
    }
}

/// The answer to a connection there is no room for.
const UNAVAILABLE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n\
    Content-Type: text/plain; charset=utf-8\r\nContent-Length: 24\r\nConnection: close\r\n\r\n\
    The preview is too busy.";
/// How long a refused connection is kept open for its request to arrive and be discarded.
const LINGER: Duration = Duration::from_secs(2);
/// Refused connections kept open at once; beyond this, the oldest is closed at once.
const MAX_LINGERING: usize = 256;
/// How often lingering connections are read.
const POLL: Duration = Duration::from_millis(20);

/// Answers 503 to connections there is no slot for, without a thread each. The response is
/// written at once, then the socket is kept open (its input read and thrown away) until the
/// client closes it or [`LINGER`] passes: closing a socket whose input has not been read (the
/// request, arriving just after the accept) makes the system reset the connection, and the
/// client reports a network error instead of the 503.
#[derive(Debug)]
pub(crate) struct Refuser {
    sender: Sender<Arc<TcpStream>>,
}

impl Refuser {
    /// Starts the thread that holds refused connections.
    pub(crate) fn start() -> io::Result<Refuser> {
        let (sender, receiver) = mpsc::channel();
        std::thread::Builder::new()
            .name("gongkai-refuse".into())
            .stack_size(64 * 1024)
            .spawn(move || linger(&receiver))?;
        Ok(Refuser { sender })
    }

    /// Answers 503 on `stream` and closes it gently.
    pub(crate) fn refuse(&self, stream: Arc<TcpStream>) {
        if stream.set_nonblocking(true).is_err() {
            return;
        }
        drain(&stream);
        // A fresh socket's send buffer takes these few bytes whole.
        if (&*stream).write_all(UNAVAILABLE).is_err() {
            return;
        }
        let _ = stream.shutdown(Shutdown::Write);
        let _ = self.sender.send(stream);
    }
}

fn linger(receiver: &Receiver<Arc<TcpStream>>) {
    let mut held: VecDeque<(Arc<TcpStream>, Instant)> = VecDeque::new();
    loop {
        let wait = if held.is_empty() {
            Duration::from_secs(3600)
        } else {
            POLL
        };
        match receiver.recv_timeout(wait) {
            Ok(stream) => {
                if held.len() >= MAX_LINGERING {
                    held.pop_front();
                }
                held.push_back((stream, Instant::now() + LINGER));
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) if held.is_empty() => return,
            Err(RecvTimeoutError::Disconnected) => std::thread::sleep(POLL),
        }
        let now = Instant::now();
        held.retain(|(stream, until)| now < *until && drain(stream));
    }
}

/// Reads and discards what a non-blocking `stream` has received; false once the client has
/// closed it (or it failed).
fn drain(stream: &TcpStream) -> bool {
    let mut sink = [0; 4096];
    loop {
        match (&*stream).read(&mut sink) {
            Ok(0) => return false,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A connected pair on loopback: (our end, the server's end).
    fn pair(listener: &TcpListener) -> (TcpStream, Arc<TcpStream>) {
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        (client, Arc::new(server))
    }

    fn closed(client: &mut TcpStream) -> bool {
        client
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        matches!(client.read(&mut [0; 16]), Ok(0) | Err(_))
    }

    #[test]
    fn a_full_house_evicts_the_connection_that_waited_longest() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let slots = Slots::new(2, 1, Duration::from_secs(3600));
        let (mut first, a) = pair(&listener);
        let held_a = slots.admit(&a).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        let (_second, b) = pair(&listener);
        let held_b = slots.admit(&b).unwrap();
        let (_third, c) = pair(&listener);
        let held_c = slots.admit(&c).expect("room made");
        assert_eq!(slots.open(), 2);
        assert!(
            closed(&mut first),
            "the oldest waiting connection is shut down"
        );
        held_a.busy(); // Too late: it is gone, and marking it changes nothing.
        drop(held_a);
        assert_eq!(slots.open(), 2);

        // Busy connections are never evicted; with every slot busy there is no room.
        held_c.busy();
        held_b.busy();
        let (_fourth, d) = pair(&listener);
        assert!(slots.admit(&d).is_none());
        held_b.waiting();
        let _held_d = slots.admit(&d).expect("a waiting one gives way again");
        drop((held_b, held_c));
        assert_eq!(slots.open(), 1, "only the newcomer is left");
    }

    #[test]
    fn a_stalled_response_gives_way_and_streams_are_capped_never_evicted() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let stall = Duration::from_millis(100);
        let slots = Slots::new(3, 1, stall);
        let (mut stalled_client, a) = pair(&listener);
        let stalled = slots.admit(&a).unwrap();
        stalled.busy();
        let (mut stream_client, b) = pair(&listener);
        let stream = slots.admit(&b).unwrap();
        assert!(stream.stream());
        let (_moving_client, c) = pair(&listener);
        let moving = slots.admit(&c).unwrap();
        assert!(!moving.stream(), "one stream at most");
        moving.busy();

        // Full, and nothing stalled yet: no room.
        let (_d_client, d) = pair(&listener);
        assert!(slots.admit(&d).is_none());
        std::thread::sleep(stall + Duration::from_millis(50));
        moving.progress();
        let newcomer = slots.admit(&d).expect("the stalled response gives way");
        assert!(closed(&mut stalled_client));
        drop(stalled);

        // However long it has been quiet, the stream is never the one to give way.
        newcomer.busy();
        std::thread::sleep(stall + Duration::from_millis(50));
        let mut later = Vec::new();
        for _ in 0..2 {
            let (client, e) = pair(&listener);
            let held = slots.admit(&e).expect("a stalled response gives way");
            held.busy();
            later.push((client, held));
        }
        let (_f_client, f) = pair(&listener);
        assert!(slots.admit(&f).is_none(), "the others are moving");
        stream_client
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        assert!(
            stream_client.read(&mut [0; 16]).is_err(),
            "the stream is open"
        );
        drop((stream, moving, newcomer, later));
        assert_eq!(slots.open(), 0);
    }

    /// A refused client reads the 503 whether its request had arrived when it was refused or
    /// comes after: closing a socket with a request unread resets the connection, and the
    /// answer is lost.
    #[test]
    fn a_refused_client_reads_the_503_not_a_reset() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let refuser = Refuser::start().unwrap();
        for request_first in [true, false] {
            let (mut client, server) = pair(&listener);
            let request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
            if request_first {
                client.write_all(request).unwrap();
                std::thread::sleep(Duration::from_millis(50));
            }
            refuser.refuse(server);
            if !request_first {
                std::thread::sleep(Duration::from_millis(50));
                client.write_all(request).unwrap();
            }
            client
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut answer = Vec::new();
            client.read_to_end(&mut answer).expect("no reset");
            assert!(answer.starts_with(b"HTTP/1.1 503 "), "{answer:?}");
            assert!(answer.ends_with(b"too busy."));
        }
    }
}
