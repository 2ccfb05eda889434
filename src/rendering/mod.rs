//! What the service draws for people: the printable completion notice (HTML with its QR code)
//! and the logo package (the marks as SVG and PNG, with the usage guidelines, in a ZIP).

pub mod logo;
pub mod notice;
pub mod notice_check;
