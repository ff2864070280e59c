//! The one way text is compared when routing reads an error message and
//! when an agent searches words: the vocabulary's phrases, the customer's
//! message, an admin's learned phrase, a ticket's indexed words and a
//! search all pass through [`normalize`], so "余额 不足", "餘額不足" and
//! "＂余额不足！＂" read the same, as do "Timed-Out" and "timed out" — and
//! so do the slips of voice typing ("于额不足") and Cantonese ("唔够钱").

/// Lower case, half-width, Simplified; punctuation and spacing dropped
/// between Chinese characters and collapsed to one space between words;
/// voice typing's homophones and Cantonese words mended ([`MENDS`]).
pub fn normalize(text: &str) -> String {
    let mut out = squeeze(text);
    if out.chars().any(|c| c as u32 >= 0x4E00) {
        for (heard, meant) in MENDS {
            if out.contains(heard) {
                out = out.replace(heard, meant);
            }
        }
    }
    out
}

/// What voice input writes for the words of a failed payment, and what
/// Cantonese says for them, to the Mandarin the vocabulary is written in.
/// Only pairs that mean nothing else in a payment ticket, written with the
/// word around the slip ("于额不足", not "于额", which "关于额度" holds).
/// Applied after [`simplified`] and after punctuation is dropped, so a
/// pair never spans two words a customer separated.
const MENDS: &[(&str, &str)] = &[
    // Voice typing (the same sound, another character), each with the word
    // it sits in, so that "关于额度" or "确认正确" stay what they are.
    ("于额不", "余额不"),
    ("账户于额", "账户余额"),
    ("卡里于额", "卡里余额"),
    ("鱼额不", "余额不"),
    ("严正码", "验证码"),
    ("严正失败", "验证失败"),
    ("严正不", "验证不"),
    ("身份严正", "身份验证"),
    ("严正身份", "验证身份"),
    ("验正码", "验证码"),
    ("验正失败", "验证失败"),
    ("身份验正", "身份验证"),
    ("言证码", "验证码"),
    ("登陆", "登录"),
    ("扣宽", "扣款"),
    ("风空", "风控"),
    ("疯控", "风控"),
    ("冻洁", "冻结"),
    ("单笔线额", "单笔限额"),
    ("单日线额", "单日限额"),
    ("网落", "网络"),
    ("超食", "超时"),
    ("系统烦忙", "系统繁忙"),
    ("系统凡忙", "系统繁忙"),
    ("密马", "密码"),
    ("实明认证", "实名认证"),
    ("实明制", "实名制"),
    ("实名认正", "实名认证"),
    ("身份认正", "身份认证"),
    ("身分证", "身份证"),
    ("流亮", "流量"),
    ("交费", "缴费"),
    ("到帐", "到账"),
    ("帐户", "账户"),
    ("帐号", "账号"),
    ("帐单", "账单"),
    ("扣帐", "扣账"),
    ("入帐", "入账"),
    // Cantonese, as Hong Kong customers write it: 唔 only before the verbs
    // it negates (alone it is also a Mandarin "um").
    ("唔够", "不够"),
    ("唔得", "不行"),
    ("唔到", "不到"),
    ("唔可以", "不可以"),
    ("唔能够", "不能"),
    ("唔支持", "不支持"),
    ("唔识", "不会"),
    ("唔俾", "不给"),
    ("冇", "没"),
    ("咗", "了"),
    ("嘅", "的"),
    ("俾钱", "付钱"),
    ("畀钱", "付钱"),
    ("撳", "按"),
];

fn squeeze(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars().map(half_width).flat_map(char::to_lowercase).map(simplified) {
        if c.is_alphanumeric() {
            // A gap survives only between two ASCII words: "limit exceeded",
            // not "余额 不足".
            if gap && out.chars().next_back().is_some_and(|p| p.is_ascii_alphanumeric()) && c.is_ascii_alphanumeric() {
                out.push(' ');
            }
            out.push(c);
            gap = false;
        } else {
            gap = true;
        }
    }
    out
}

/// Whether `phrase` (normalised) occurs in `text` (normalised); a phrase
/// that starts or ends with an ASCII letter or digit must do so on a word
/// boundary, so "login" does not match inside "blogin".
pub fn contains_phrase(text: &str, phrase: &str) -> bool {
    if phrase.is_empty() {
        return false;
    }
    let starts_ascii = phrase.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    let ends_ascii = phrase.chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric());
    text.match_indices(phrase).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + phrase.len()..].chars().next();
        let glued_before = starts_ascii && before.is_some_and(|c| c.is_ascii_alphanumeric());
        let glued_after = ends_ascii && after.is_some_and(|c| c.is_ascii_alphanumeric());
        !glued_before && !glued_after
    })
}

/// The code-like words of a text (`NOTENOUGH`, `ACQ.SYSTEM_ERROR`,
/// `aop.invalid-auth-token`, `51`), upper-cased, with the word before each:
/// a bare number counts as a code only after a word like "错误码" or "code".
pub fn code_words(text: &str) -> Vec<(String, Option<String>)> {
    let text: String = text.chars().map(half_width).collect();
    let mut words = Vec::new();
    let mut previous: Option<String> = None;
    let mut current = String::new();
    let is_code_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    let flush = |current: &mut String, previous: &mut Option<String>, words: &mut Vec<(String, Option<String>)>| {
        let word = current.trim_matches(['.', '-', '_']).to_uppercase();
        if !word.is_empty() {
            words.push((word.clone(), previous.take()));
            *previous = Some(word);
        }
        current.clear();
    };
    let mut cjk_run = String::new();
    for c in text.chars() {
        if is_code_char(c) {
            if !cjk_run.is_empty() {
                previous = Some(std::mem::take(&mut cjk_run));
            }
            current.push(c);
        } else {
            flush(&mut current, &mut previous, &mut words);
            if c.is_alphanumeric() {
                cjk_run.push(simplified(c));
            } else if !cjk_run.is_empty() {
                previous = Some(std::mem::take(&mut cjk_run));
            }
        }
    }
    flush(&mut current, &mut previous, &mut words);
    words
}

/// Words after which a bare number is an error code.
pub fn introduces_code(word: &str) -> bool {
    const MARKERS: [&str; 9] = ["错误码", "返回码", "应答码", "错误代码", "代码", "CODE", "ERROR", "ERR", "响应码"];
    let upper = word.to_uppercase();
    MARKERS.iter().any(|m| upper.ends_with(m))
}

/// Full-width ASCII forms and the ideographic space to their ASCII selves.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// The Traditional characters that occur in payment messages, to their
/// Simplified forms: enough for a Hong Kong or Taiwan phone's wording of
/// the same screens, not a general converter.
fn simplified(c: char) -> char {
    const PAIRS: &[(char, char)] = &[
        ('餘', '余'),
        ('額', '额'),
        ('網', '网'),
        ('絡', '络'),
        ('統', '统'),
        ('時', '时'),
        ('過', '过'),
        ('錄', '录'),
        ('證', '证'),
        ('驗', '验'),
        ('風', '风'),
        ('險', '险'),
        ('帳', '账'),
        ('賬', '账'),
        ('戶', '户'),
        ('單', '单'),
        ('筆', '笔'),
        ('請', '请'),
        ('後', '后'),
        ('試', '试'),
        ('連', '连'),
        ('線', '线'),
        ('異', '异'),
        ('錯', '错'),
        ('誤', '误'),
        ('碼', '码'),
        ('認', '认'),
        ('權', '权'),
        ('費', '费'),
        ('電', '电'),
        ('銀', '银'),
        ('訂', '订'),
        ('處', '处'),
        ('務', '务'),
        ('開', '开'),
        ('關', '关'),
        ('頁', '页'),
        ('載', '载'),
        ('應', '应'),
        ('數', '数'),
        ('據', '据'),
        ('還', '还'),
        ('為', '为'),
        ('這', '这'),
        ('個', '个'),
        ('無', '无'),
        ('與', '与'),
        ('進', '进'),
        ('狀', '状'),
        ('態', '态'),
        ('機', '机'),
        ('構', '构'),
        ('號', '号'),
        ('臨', '临'),
        ('鐘', '钟'),
        ('擊', '击'),
        ('攔', '拦'),
        ('凍', '冻'),
        ('結', '结'),
        ('暫', '暂'),
        ('維', '维'),
        ('護', '护'),
        ('級', '级'),
        ('斷', '断'),
        ('響', '响'),
        ('閉', '闭'),
        ('絕', '绝'),
        ('當', '当'),
        ('計', '计'),
        ('轉', '转'),
        ('導', '导'),
        ('資', '资'),
        ('發', '发'),
        ('簡', '简'),
        ('訊', '讯'),
        ('題', '题'),
        ('問', '问'),
        ('報', '报'),
        ('類', '类'),
        ('紅', '红'),
        ('綁', '绑'),
        ('項', '项'),
        ('設', '设'),
        ('檢', '检'),
        ('衝', '冲'),
        ('鎖', '锁'),
        ('識', '识'),
        ('別', '别'),
        ('臉', '脸'),
        ('實', '实'),
        ('歸', '归'),
        ('夠', '够'),
        ('貨', '货'),
        ('幣', '币'),
        ('購', '购'),
        ('買', '买'),
        ('讀', '读'),
        ('長', '长'),
        ('間', '间'),
        ('繫', '系'),
        ('係', '系'),
        ('動', '动'),
        ('頻', '频'),
        ('繳', '缴'),
        ('納', '纳'),
        ('營', '营'),
        ('業', '业'),
        ('廳', '厅'),
        ('從', '从'),
        ('現', '现'),
        ('擬', '拟'),
        ('効', '效'),
        ('啟', '启'),
        ('盡', '尽'),
        ('複', '复'),
        ('復', '复'),
        ('雜', '杂'),
        ('壞', '坏'),
        ('閃', '闪'),
        ('億', '亿'),
        ('該', '该'),
        ('種', '种'),
        ('戲', '戏'),
        ('執', '执'),
        ('點', '点'),
        ('鈕', '钮'),
        ('沒', '没'),
        ('敗', '败'),
        ('區', '区'),
        ('顯', '显'),
        ('穩', '稳'),
        ('環', '环'),
        ('審', '审'),
        ('輸', '输'),
        ('參', '参'),
        ('傳', '传'),
        ('裝', '装'),
        ('選', '选'),
        ('擇', '择'),
        ('詢', '询'),
        ('錢', '钱'),
        ('給', '给'),
        ('彈', '弹'),
        ('變', '变'),
        ('負', '负'),
        ('圍', '围'),
        ('範', '范'),
        ('臺', '台'),
        ('優', '优'),
        ('內', '内'),
        ('對', '对'),
        ('舊', '旧'),
        ('僅', '仅'),
        ('標', '标'),
        ('記', '记'),
        ('獲', '获'),
        ('訪', '访'),
        ('備', '备'),
        ('運', '运'),
        ('幫', '帮'),
        ('兩', '两'),
        ('詳', '详'),
        ('總', '总'),
        ('價', '价'),
        ('測', '测'),
        ('聯', '联'),
        ('遲', '迟'),
        ('緩', '缓'),
        ('邊', '边'),
        ('稱', '称'),
        ('義', '义'),
        ('門', '门'),
        ('錶', '表'),
        ('準', '准'),
        ('確', '确'),
        ('頭', '头'),
        ('讓', '让'),
        ('樣', '样'),
        ('麼', '么'),
        ('們', '们'),
        ('嗎', '吗'),
        ('來', '来'),
        ('會', '会'),
        ('說', '说'),
        ('鎮', '镇'),
        ('縣', '县'),
        ('氣', '气'),
        ('燈', '灯'),
        ('鄉', '乡'),
        ('歷', '历'),
        ('儲', '储'),
        ('隊', '队'),
        ('擠', '挤'),
        ('擁', '拥'),
        ('強', '强'),
        ('櫃', '柜'),
        ('檯', '台'),
        ('終', '终'),
        ('辦', '办'),
        ('續', '续'),
        // Identity and verification wording, and the rest of a Hong Kong
        // or Taiwan customer's account of it (issue 33).
        ('註', '注'),
        ('冊', '册'),
        ('簽', '签'),
        ('協', '协'),
        ('議', '议'),
        ('憑', '凭'),
        ('補', '补'),
        ('齊', '齐'),
        ('嘗', '尝'),
        ('換', '换'),
        ('張', '张'),
        ('綫', '线'),
        ('鏈', '链'),
        ('覽', '览'),
        ('瀏', '浏'),
        ('軟', '软'),
        ('體', '体'),
        ('螢', '萤'),
        ('畫', '画'),
        ('達', '达'),
        ('陸', '陆'),
        ('國', '国'),
        ('際', '际'),
        ('匯', '汇'),
        ('貸', '贷'),
        ('償', '偿'),
        ('銷', '销'),
        ('稅', '税'),
        ('預', '预'),
        ('領', '领'),
        ('遞', '递'),
        ('約', '约'),
        ('產', '产'),
        ('場', '场'),
        ('條', '条'),
        ('親', '亲'),
        ('屬', '属'),
        ('鄰', '邻'),
        ('車', '车'),
        ('賣', '卖'),
        ('頓', '顿'),
        ('圖', '图'),
        ('誌', '志'),
        ('經', '经'),
        ('隱', '隐'),
        ('衛', '卫'),
        ('醫', '医'),
        ('診', '诊'),
        ('則', '则'),
        ('規', '规'),
        ('財', '财'),
        ('員', '员'),
        ('鍵', '键'),
        ('盤', '盘'),
        ('嚴', '严'),
        ('餵', '喂'),
        ('髮', '发'),
        ('襪', '袜'),
        ('歡', '欢'),
        ('鐵', '铁'),
        ('竊', '窃'),
        ('盜', '盗'),
        ('騙', '骗'),
        ('詐', '诈'),
        ('罰', '罚'),
        ('違', '违'),
        ('攝', '摄'),
        ('閱', '阅'),
        ('剛', '刚'),
        ('啓', '启'),
        ('廣', '广'),
        ('東', '东'),
        ('灣', '湾'),
    ];
    if (c as u32) < 0x4E00 {
        return c;
    }
    static MAP: std::sync::OnceLock<std::collections::HashMap<char, char>> = std::sync::OnceLock::new();
    MAP.get_or_init(|| PAIRS.iter().copied().collect()).get(&c).copied().unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_words_read_the_same() {
        assert_eq!(normalize("余额 不足"), "余额不足");
        assert_eq!(normalize("＂余额不足！＂"), "余额不足");
        assert_eq!(normalize("餘額不足"), "余额不足");
        assert_eq!(normalize("Timed-Out, please  RETRY"), "timed out please retry");
        assert_eq!(normalize("ＮＯＴＥＮＯＵＧＨ"), "notenough");
        assert_eq!(normalize("支付失败：Limit exceeded（单日）"), "支付失败limit exceeded单日");
    }

    #[test]
    fn voice_typing_slips_are_mended_in_their_words_only() {
        assert_eq!(normalize("于额不足"), "余额不足");
        assert_eq!(normalize("严正码收不到"), "验证码收不到");
        assert_eq!(normalize("登陆过期"), "登录过期");
        assert_eq!(normalize("張卡唔夠錢"), "张卡不够钱");
        // Words that only look like a slip stay as they are.
        for kept in ["关于额度", "由于额外", "出现额外费用", "确认正确", "其实明明扣了", "严正要求", "唔，好吧"]
        {
            assert_eq!(normalize(kept), squeeze(kept), "{kept}");
        }
    }

    #[test]
    fn english_phrases_match_whole_words() {
        assert!(contains_phrase(&normalize("Please log in again"), "log in"));
        assert!(!contains_phrase(&normalize("catalog included"), "log in"));
        assert!(contains_phrase(&normalize("会话超时，请重新登录"), "超时"));
        assert!(contains_phrase(&normalize("declined"), "declined"));
        assert!(!contains_phrase("", ""));
    }

    #[test]
    fn codes_are_found_with_the_word_before_them() {
        let words = code_words("支付失败（错误码：ＮＯＴＥＮＯＵＧＨ）acq.system_error. code 51");
        assert_eq!(
            words,
            [
                ("NOTENOUGH".to_string(), Some("错误码".to_string())),
                ("ACQ.SYSTEM_ERROR".to_string(), Some("NOTENOUGH".to_string())),
                ("CODE".to_string(), Some("ACQ.SYSTEM_ERROR".to_string())),
                ("51".to_string(), Some("CODE".to_string())),
            ]
        );
        assert!(introduces_code("错误码"));
        assert!(introduces_code("CODE"));
        assert!(!introduces_code("余额"));
    }
}
