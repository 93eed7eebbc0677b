//! Splits a filter into tokens: words, quoted strings, numbers, operators and punctuation.

use super::QueryError;

#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Word(String),
    Quoted(String),
    Backticked(String),
    Number(f64),
    Op(String),
    LParen,
    RParen,
    Comma,
}

impl Token {
    pub fn text(&self) -> String {
        match self {
            Token::Word(w) | Token::Op(w) => w.clone(),
            Token::Quoted(s) => format!("'{s}'"),
            Token::Backticked(s) => format!("`{s}`"),
            Token::Number(n) => n.to_string(),
            Token::LParen => "(".into(),
            Token::RParen => ")".into(),
            Token::Comma => ",".into(),
        }
    }
}

/// Longest filter accepted; longer ones are refused rather than parsed.
pub const MAX_FILTER_LEN: usize = 64 * 1024;

pub fn tokenize(text: &str) -> Result<Vec<Token>, QueryError> {
    if text.len() > MAX_FILTER_LEN {
        return Err(QueryError::from(format!("Filter longer than {MAX_FILTER_LEN} bytes")));
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Token::LParen);
                i += 1;
            }
            ')' => {
                out.push(Token::RParen);
                i += 1;
            }
            ',' => {
                out.push(Token::Comma);
                i += 1;
            }
            '\'' | '"' | '`' => {
                let (s, next) = quoted(&chars, i)?;
                out.push(if c == '`' {
                    Token::Backticked(s)
                } else {
                    Token::Quoted(s)
                });
                i = next;
            }
            '=' | '!' | '<' | '>' => {
                let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
                let op = if ["==", "!=", "<>", "<=", ">="].contains(&two.as_str()) {
                    two
                } else if c == '!' {
                    return Err(QueryError::from("Unexpected '!' in filter"));
                } else {
                    c.to_string()
                };
                i += op.len();
                out.push(Token::Op(op));
            }
            c if c.is_ascii_digit() || ((c == '-' || c == '+' || c == '.') && starts_number(&chars, i)) => {
                let start = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_digit()
                        || chars[i] == '.'
                        || chars[i] == 'e'
                        || chars[i] == 'E'
                        || ((chars[i] == '-' || chars[i] == '+') && matches!(chars[i - 1], 'e' | 'E')))
                {
                    i += 1;
                }
                let s: String = chars[start..i].iter().collect();
                let n = s.parse::<f64>().map_err(|_| format!("'{s}' is not a number"))?;
                out.push(Token::Number(n));
            }
            c if c.is_alphanumeric() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.' | '-' | '/' | ':'))
                {
                    i += 1;
                }
                out.push(Token::Word(chars[start..i].iter().collect()));
            }
            other => return Err(QueryError::from(format!("Unexpected character '{other}' in filter"))),
        }
    }
    Ok(out)
}

fn starts_number(chars: &[char], i: usize) -> bool {
    let next = chars.get(i + 1).copied().unwrap_or(' ');
    next.is_ascii_digit() || (next == '.' && chars.get(i + 2).is_some_and(|c| c.is_ascii_digit()))
}

/// Reads a quoted string starting at `start`; a doubled quote or a backslash escapes the quote.
fn quoted(chars: &[char], start: usize) -> Result<(String, usize), QueryError> {
    let q = chars[start];
    let mut s = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            s.push(chars[i + 1]);
            i += 2;
        } else if c == q {
            if chars.get(i + 1) == Some(&q) {
                s.push(q);
                i += 2;
            } else {
                return Ok((s, i + 1));
            }
        } else {
            s.push(c);
            i += 1;
        }
    }
    Err(QueryError::from(format!("Unterminated string starting with {q}")))
}
