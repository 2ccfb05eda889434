//! HTTP below the level of an operation: a deadline for a request's body, so that a client
//! sending it slowly cannot hold a connection for minutes, and `HEAD` answered as `GET`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{ConnectionType, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, web};
use futures_util::Stream;

use crate::state::AppState;

/// A request body that is still arriving when its time is up fails with a timed-out I/O error,
/// which the extractors answer with 408.
struct Deadline {
    inner: Payload,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        match self.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            ))))),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Gives the request's body a deadline (`REQUEST_TIMEOUT_SECONDS` from now: the head has
/// arrived, and actix gives the head the same time). A 408 closes the connection, since the
/// rest of the body may still be on its way.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let timeout = req
        .app_data::<web::Data<AppState>>()
        .map_or(Duration::from_secs(10), |state| {
            state.config.request_timeout
        });
    let payload = req.take_payload();
    let deadline = Deadline {
        inner: payload,
        sleep: Box::pin(tokio::time::sleep(timeout)),
    };
    let boxed: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(deadline);
    req.set_payload(Payload::from(boxed));
    let mut response = next.call(req).await?.map_into_boxed_body();
    if response.status() == StatusCode::REQUEST_TIMEOUT {
        response
            .response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    Ok(response)
}

/// Whether an error is a request body that did not arrive in time.
pub fn is_body_timeout(error: &Error) -> bool {
    matches!(
        error.as_error::<PayloadError>(),
        Some(PayloadError::Io(io)) if io.kind() == std::io::ErrorKind::TimedOut
    )
}

/// `HEAD` is answered as `GET` would be, without the body (RFC 9110 §9.3.2): the request is
/// routed as a `GET`, and the HTTP layer, which knows the request was a `HEAD`, sends the head
/// of the answer only (with the body's `Content-Length`).
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}
