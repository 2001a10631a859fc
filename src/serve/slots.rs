//! Connection slots: how the preview keeps answering a browser while something else holds many
//! connections open (clients sending their request a byte a second, thousands of idle sockets).
//!
//! Every connection holds a slot, and a thread, from accept to close; there are at most `max`.
//! A connection is either *waiting* for the head of a request (just opened, idle between
//! keep-alive requests, or sending slowly) or *busy* answering one (an event stream stays
//! busy). When every slot is taken, a new connection takes the slot of the one that has been
//! waiting longest, which is shut down. A browser sends its request head as soon as it has
//! connected, so it is never the one waiting longest; an idle keep-alive socket of its that is
//! closed costs it a new connection, no more. Only when every slot is busy is a new
//! connection refused, with a 503 ([`Refuser`]).
//!
//! A limit per client address would not tell the browser apart: every local client is
//! `127.0.0.1` or `::1`. How long a connection has waited for its request does.

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
    /// Since when the connection waits for a request head; `None` while it answers one.
    waiting_since: Option<Instant>,
}

impl Slots {
    /// Room for `max` connections (at least one).
    pub(crate) fn new(max: usize) -> Arc<Slots> {
        Arc::new(Slots {
            max: max.max(1),
            state: Mutex::default(),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Gives `stream` a slot, waiting for its first request. When all are taken, the
    /// connection that has waited longest for a request head is shut down and gives up its
    /// slot; `None` when every one is busy answering.
    pub(crate) fn admit(self: &Arc<Self>, stream: &Arc<TcpStream>) -> Option<Held> {
        let mut state = self.state();
        if state.open.len() >= self.max {
            let (_, oldest) = state
                .open
                .iter()
                .filter_map(|(&id, slot)| slot.waiting_since.map(|since| (since, id)))
                .min()?;
            if let Some(slot) = state.open.remove(&oldest) {
                // Its thread's read returns at once, and the thread ends.
                let _ = slot.stream.shutdown(Shutdown::Both);
            }
        }
        let id = state.next;
        state.next += 1;
        let slot = Slot {
            stream: stream.clone(),
            waiting_since: Some(Instant::now()),
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

    fn set_waiting(&self, id: u64, waiting: bool) {
        if let Some(slot) = self.state().open.get_mut(&id) {
            slot.waiting_since = waiting.then(Instant::now);
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
        self.slots.set_waiting(self.id, true);
    }

    /// The connection has a whole request and answers it (it is not evicted).
    pub(crate) fn busy(&self) {
        self.slots.set_waiting(self.id, false);
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
        let slots = Slots::new(2);
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
