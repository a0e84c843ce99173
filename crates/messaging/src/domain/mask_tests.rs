use super::*;

fn hidden(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    detect(text).iter().map(|r| chars[r.start..r.end].iter().collect()).collect()
}

#[test]
fn plain_emails() {
    assert_eq!(hidden("write to jane.doe+stay@example.co.uk please"), ["jane.doe+stay@example.co.uk"]);
    assert_eq!(hidden("Mail: JOHN_DOE@MAIL.COM."), ["JOHN_DOE@MAIL.COM"]);
}

#[test]
fn obfuscated_emails() {
    assert_eq!(hidden("jane at example dot com"), ["jane at example dot com"]);
    assert_eq!(hidden("jane [at] example [dot] com"), ["jane [at] example [dot] com"]);
    assert_eq!(hidden("jane(at)example(dot)com"), ["jane(at)example(dot)com"]);
    assert_eq!(hidden("jane @ example . com"), ["jane @ example . com"]);
    assert_eq!(hidden("john dot doe at gmail dot com"), ["john dot doe at gmail dot com"]);
    assert_eq!(hidden("reach me: jane at example.com"), ["jane at example.com"]);
}

#[test]
fn prose_with_at_is_not_an_email() {
    assert!(hidden("I arrive at 5. Then we walk").is_empty());
    assert!(hidden("See you at home. Thanks!").is_empty());
    assert!(hidden("We arrive at Paris.Then the train").is_empty());
}

#[test]
fn phone_numbers() {
    assert_eq!(hidden("call +33 6 12 34 56 78 tonight"), ["+33 6 12 34 56 78"]);
    assert_eq!(hidden("06 12 34 56 78"), ["06 12 34 56 78"]);
    assert_eq!(hidden("06.12.34.56.78"), ["06.12.34.56.78"]);
    assert_eq!(hidden("06-12-34-56-78"), ["06-12-34-56-78"]);
    assert_eq!(hidden("(555) 123-4567"), ["(555) 123-4567"]);
    assert_eq!(hidden("+1-555-123-4567"), ["+1-555-123-4567"]);
    assert_eq!(hidden("+44 (0)20 7946 0958"), ["+44 (0)20 7946 0958"]);
    assert_eq!(hidden("my number is 0612345678."), ["0612345678"]);
    assert_eq!(hidden("+4915112345678"), ["+4915112345678"]);
}

#[test]
fn dates_prices_and_references_stay() {
    for text in [
        "We arrive 2027-01-04 and leave 2027-01-09",
        "from 04.01.2027 to 09.01.2027",
        "on 4-1-2027 at 10:30",
        "2027-01-04 10:30",
        "The total is 1 250,00 EUR",
        "it costs €1,234,567 all in",
        "price 123456.50",
        "Booking DS-12345678 confirmed",
        "reference ref123456789",
        "order #123456789",
        "1 200 000 000 €",
        "rooms 12 and 14, 2 nights",
    ] {
        assert!(hidden(text).is_empty(), "{text}: {:?}", hidden(text));
    }
}

#[test]
fn masking_replaces_each_range() {
    let text = "mail jane@example.com or call 06 12 34 56 78!";
    let ranges = detect(text);
    assert_eq!(ranges.len(), 2);
    assert_eq!(apply(text, &ranges), format!("mail {HIDDEN} or call {HIDDEN}!"));
    assert_eq!(apply("nothing here", &[]), "nothing here");
}

#[test]
fn ranges_are_in_characters() {
    let text = "é 06 12 34 56 78";
    assert_eq!(detect(text), vec![Range { start: 2, end: 16 }]);
}
