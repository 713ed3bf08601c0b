//! What the delivery tests share: findings of a test detection, and a small HTTP server on
//! 127.0.0.1 that records requests and answers as scripted.

#![allow(dead_code, unreachable_pub)]

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::Value as Json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tripline_content::{Detection, Finding, load_detection};
use tripline_engine::row::Row;
use tripline_engine::value::Value;

pub const START: f64 = 1_795_341_600.0; // 2026-11-22T10:00:00Z
pub const END: f64 = 1_795_341_900.25; // 2026-11-22T10:05:00.25Z

const DETECTION: &str = r"name: Sink Test Anonymous Access
id: 0b8e7e4c-5d0a-4c3e-9f61-2a7d4e9b1c00
version: 3
creation_date: '2026-11-22'
modification_date: '2026-11-22'
author: Tripline tests
status: production
type: TTP
description: A detection for the sink tests.
data_source:
- Kubernetes Audit
search: '`kube_audit` | stats count BY src_ip user http_user_agent'
how_to_implement: Tests only.
known_false_positives: None.
references: []
finding:
  title: Anonymous access from $src_ip$ as $user$ ($http_user_agent$)
  entity:
    field: src_ip
    type: system
    score: 72
intermediate_findings:
  entities:
  - field: user
    type: user
    score: 40
    message: $user$ was used anonymously
threat_objects:
- field: http_user_agent
  type: http_user_agent
analytic_story:
- Kubernetes Scanning Activity
asset_type: Kubernetes
mitre_attack_id:
- T1613
- T1190
category: cloud
security_domain: network
";

pub fn detection() -> Detection {
    load_detection(Path::new("sink_test.yml"), DETECTION).expect("load the test detection")
}

/// A finding of the test detection for a source address, user and user agent.
pub fn finding_with(src_ip: &str, user: &str, agent: &str, time: Option<(f64, f64)>) -> Finding {
    let mut row = Row::new();
    row.set("src_ip", Value::str(src_ip));
    row.set("user", Value::str(user));
    row.set("http_user_agent", Value::str(agent));
    row.set("count", Value::Num(3.0));
    Finding::new(&detection(), &row, time)
}

/// The `n`th of a series of distinct findings.
pub fn finding(n: usize) -> Finding {
    finding_with(
        &format!("203.0.113.{n}"),
        "system:anonymous",
        "kube-hunter",
        Some((START, END)),
    )
}

/// The finding in its own JSON layout.
pub fn json(finding: &Finding) -> Json {
    serde_json::to_value(finding).expect("serialise finding")
}

/// Every JSON value in `text`, one after the other (JSON lines, or HEC's concatenated events).
pub fn json_stream(text: &str) -> Vec<Json> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<Json>()
        .collect::<Result<_, _>>()
        .expect("a stream of JSON values")
}

/// One recorded request.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("UTF-8 body")
    }

    pub fn json(&self) -> Json {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// A scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn new(status: u16, body: &str) -> Reply {
        Reply {
            status,
            body: body.to_owned(),
            headers: Vec::new(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

#[derive(Default)]
struct State {
    requests: Mutex<Vec<Request>>,
    replies: Mutex<VecDeque<Reply>>,
    arrived: tokio::sync::Notify,
}

/// An HTTP/1.1 server on 127.0.0.1 that answers scripted replies in order, then 200 with HEC's
/// success body. One request per connection.
pub struct Server {
    pub base: String,
    state: Arc<State>,
}

impl Server {
    pub async fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let base = format!("http://{}", listener.local_addr().expect("local address"));
        let state = Arc::new(State::default());
        let shared = Arc::clone(&state);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, Arc::clone(&shared)));
            }
        });
        Server { base, state }
    }

    /// The server's URL with `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Answer the next request with `reply`.
    pub fn then(&self, reply: Reply) -> &Server {
        self.state.replies.lock().expect("lock").push_back(reply);
        self
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.requests.lock().expect("lock").clone()
    }

    /// Wait until `n` requests have arrived.
    pub async fn wait_for(&self, n: usize) {
        loop {
            let arrived = self.state.arrived.notified();
            if self.state.requests.lock().expect("lock").len() >= n {
                return;
            }
            arrived.await;
        }
    }
}

async fn serve(mut stream: TcpStream, state: Arc<State>) {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let path = request_line.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = data[head_end..].to_vec();
    while body.len() < length {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => body.extend_from_slice(&buf[..n]),
        }
    }
    state.requests.lock().expect("lock").push(Request {
        method,
        path,
        headers,
        body,
    });
    state.arrived.notify_waiters();
    let reply = state
        .replies
        .lock()
        .expect("lock")
        .pop_front()
        .unwrap_or_else(|| Reply::new(200, r#"{"text":"Success","code":0}"#));
    let mut response = format!(
        "HTTP/1.1 {} Scripted\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (name, value) in &reply.headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    response.push_str(&reply.body);
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}
