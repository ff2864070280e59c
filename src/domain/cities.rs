//! City names, one value per city however the customer wrote it.
//!
//! Tickets carry the customer's city. Without this, "上海", "上海市" and
//! "Shanghai" are three rows on the dashboard, and an incident matched by
//! city misses the ticket written in English. `canonical` turns every
//! spelling we recognise into the short Chinese name ("上海"); a name we do
//! not know is kept as typed (trimmed), never dropped or guessed at.
//!
//! Some pinyin is shared by two cities (苏州 and 宿州 are both "Suzhou").
//! Such an input is ambiguous and is kept as typed: a wrong city would
//! silently join the wrong incident, an unrecognised one is merely visible.
//!
//! The list is China's prefecture-level divisions (the 4 municipalities,
//! 293 prefecture-level cities, 7 prefectures 地区, 30 autonomous
//! prefectures 自治州 and 3 leagues 盟) from the Ministry of Civil Affairs'
//! administrative divisions (民政部《中华人民共和国行政区划》), as of 2024,
//! plus Hong Kong, Macau and Taiwan's main cities. Districts and
//! county-level cities are deliberately absent: 朝阳 here is the city in
//! Liaoning, not the Beijing district.

pub struct City {
    /// Short Chinese name without administrative suffix: the canonical value.
    pub zh: &'static str,
    /// Lowercase pinyin without tones, spaces or apostrophes.
    pub pinyin: &'static str,
    /// The usual English name.
    pub en: &'static str,
}

const fn c(zh: &'static str, pinyin: &'static str, en: &'static str) -> City {
    City { zh, pinyin, en }
}

pub static CITIES: &[City] = &[
    // Municipalities (直辖市)
    c("北京", "beijing", "Beijing"),
    c("天津", "tianjin", "Tianjin"),
    c("上海", "shanghai", "Shanghai"),
    c("重庆", "chongqing", "Chongqing"),
    // Hebei 河北
    c("石家庄", "shijiazhuang", "Shijiazhuang"),
    c("唐山", "tangshan", "Tangshan"),
    c("秦皇岛", "qinhuangdao", "Qinhuangdao"),
    c("邯郸", "handan", "Handan"),
    c("邢台", "xingtai", "Xingtai"),
    c("保定", "baoding", "Baoding"),
    c("张家口", "zhangjiakou", "Zhangjiakou"),
    c("承德", "chengde", "Chengde"),
    c("沧州", "cangzhou", "Cangzhou"),
    c("廊坊", "langfang", "Langfang"),
    c("衡水", "hengshui", "Hengshui"),
    // Shanxi 山西
    c("太原", "taiyuan", "Taiyuan"),
    c("大同", "datong", "Datong"),
    c("阳泉", "yangquan", "Yangquan"),
    c("长治", "changzhi", "Changzhi"),
    c("晋城", "jincheng", "Jincheng"),
    c("朔州", "shuozhou", "Shuozhou"),
    c("晋中", "jinzhong", "Jinzhong"),
    c("运城", "yuncheng", "Yuncheng"),
    c("忻州", "xinzhou", "Xinzhou"),
    c("临汾", "linfen", "Linfen"),
    c("吕梁", "lvliang", "Lüliang"),
    // Inner Mongolia 内蒙古
    c("呼和浩特", "huhehaote", "Hohhot"),
    c("包头", "baotou", "Baotou"),
    c("乌海", "wuhai", "Wuhai"),
    c("赤峰", "chifeng", "Chifeng"),
    c("通辽", "tongliao", "Tongliao"),
    c("鄂尔多斯", "eerduosi", "Ordos"),
    c("呼伦贝尔", "hulunbeier", "Hulunbuir"),
    c("巴彦淖尔", "bayannaoer", "Bayannur"),
    c("乌兰察布", "wulanchabu", "Ulanqab"),
    c("兴安", "xingan", "Hinggan"),
    c("锡林郭勒", "xilinguole", "Xilingol"),
    c("阿拉善", "alashan", "Alxa"),
    // Liaoning 辽宁
    c("沈阳", "shenyang", "Shenyang"),
    c("大连", "dalian", "Dalian"),
    c("鞍山", "anshan", "Anshan"),
    c("抚顺", "fushun", "Fushun"),
    c("本溪", "benxi", "Benxi"),
    c("丹东", "dandong", "Dandong"),
    c("锦州", "jinzhou", "Jinzhou"),
    c("营口", "yingkou", "Yingkou"),
    c("阜新", "fuxin", "Fuxin"),
    c("辽阳", "liaoyang", "Liaoyang"),
    c("盘锦", "panjin", "Panjin"),
    c("铁岭", "tieling", "Tieling"),
    c("朝阳", "chaoyang", "Chaoyang"),
    c("葫芦岛", "huludao", "Huludao"),
    // Jilin 吉林
    c("长春", "changchun", "Changchun"),
    c("吉林", "jilin", "Jilin"),
    c("四平", "siping", "Siping"),
    c("辽源", "liaoyuan", "Liaoyuan"),
    c("通化", "tonghua", "Tonghua"),
    c("白山", "baishan", "Baishan"),
    c("松原", "songyuan", "Songyuan"),
    c("白城", "baicheng", "Baicheng"),
    c("延边", "yanbian", "Yanbian"),
    // Heilongjiang 黑龙江
    c("哈尔滨", "haerbin", "Harbin"),
    c("齐齐哈尔", "qiqihaer", "Qiqihar"),
    c("鸡西", "jixi", "Jixi"),
    c("鹤岗", "hegang", "Hegang"),
    c("双鸭山", "shuangyashan", "Shuangyashan"),
    c("大庆", "daqing", "Daqing"),
    c("伊春", "yichun", "Yichun"),
    c("佳木斯", "jiamusi", "Jiamusi"),
    c("七台河", "qitaihe", "Qitaihe"),
    c("牡丹江", "mudanjiang", "Mudanjiang"),
    c("黑河", "heihe", "Heihe"),
    c("绥化", "suihua", "Suihua"),
    c("大兴安岭", "daxinganling", "Da Hinggan Ling"),
    // Jiangsu 江苏
    c("南京", "nanjing", "Nanjing"),
    c("无锡", "wuxi", "Wuxi"),
    c("徐州", "xuzhou", "Xuzhou"),
    c("常州", "changzhou", "Changzhou"),
    c("苏州", "suzhou", "Suzhou"),
    c("南通", "nantong", "Nantong"),
    c("连云港", "lianyungang", "Lianyungang"),
    c("淮安", "huaian", "Huai'an"),
    c("盐城", "yancheng", "Yancheng"),
    c("扬州", "yangzhou", "Yangzhou"),
    c("镇江", "zhenjiang", "Zhenjiang"),
    c("泰州", "taizhou", "Taizhou"),
    c("宿迁", "suqian", "Suqian"),
    // Zhejiang 浙江
    c("杭州", "hangzhou", "Hangzhou"),
    c("宁波", "ningbo", "Ningbo"),
    c("温州", "wenzhou", "Wenzhou"),
    c("嘉兴", "jiaxing", "Jiaxing"),
    c("湖州", "huzhou", "Huzhou"),
    c("绍兴", "shaoxing", "Shaoxing"),
    c("金华", "jinhua", "Jinhua"),
    c("衢州", "quzhou", "Quzhou"),
    c("舟山", "zhoushan", "Zhoushan"),
    c("台州", "taizhou", "Taizhou"),
    c("丽水", "lishui", "Lishui"),
    // Anhui 安徽
    c("合肥", "hefei", "Hefei"),
    c("芜湖", "wuhu", "Wuhu"),
    c("蚌埠", "bengbu", "Bengbu"),
    c("淮南", "huainan", "Huainan"),
    c("马鞍山", "maanshan", "Ma'anshan"),
    c("淮北", "huaibei", "Huaibei"),
    c("铜陵", "tongling", "Tongling"),
    c("安庆", "anqing", "Anqing"),
    c("黄山", "huangshan", "Huangshan"),
    c("滁州", "chuzhou", "Chuzhou"),
    c("阜阳", "fuyang", "Fuyang"),
    c("宿州", "suzhou", "Suzhou"),
    c("六安", "luan", "Lu'an"),
    c("亳州", "bozhou", "Bozhou"),
    c("池州", "chizhou", "Chizhou"),
    c("宣城", "xuancheng", "Xuancheng"),
    // Fujian 福建
    c("福州", "fuzhou", "Fuzhou"),
    c("厦门", "xiamen", "Xiamen"),
    c("莆田", "putian", "Putian"),
    c("三明", "sanming", "Sanming"),
    c("泉州", "quanzhou", "Quanzhou"),
    c("漳州", "zhangzhou", "Zhangzhou"),
    c("南平", "nanping", "Nanping"),
    c("龙岩", "longyan", "Longyan"),
    c("宁德", "ningde", "Ningde"),
    // Jiangxi 江西
    c("南昌", "nanchang", "Nanchang"),
    c("景德镇", "jingdezhen", "Jingdezhen"),
    c("萍乡", "pingxiang", "Pingxiang"),
    c("九江", "jiujiang", "Jiujiang"),
    c("新余", "xinyu", "Xinyu"),
    c("鹰潭", "yingtan", "Yingtan"),
    c("赣州", "ganzhou", "Ganzhou"),
    c("吉安", "jian", "Ji'an"),
    c("宜春", "yichun", "Yichun"),
    c("抚州", "fuzhou", "Fuzhou"),
    c("上饶", "shangrao", "Shangrao"),
    // Shandong 山东
    c("济南", "jinan", "Jinan"),
    c("青岛", "qingdao", "Qingdao"),
    c("淄博", "zibo", "Zibo"),
    c("枣庄", "zaozhuang", "Zaozhuang"),
    c("东营", "dongying", "Dongying"),
    c("烟台", "yantai", "Yantai"),
    c("潍坊", "weifang", "Weifang"),
    c("济宁", "jining", "Jining"),
    c("泰安", "taian", "Tai'an"),
    c("威海", "weihai", "Weihai"),
    c("日照", "rizhao", "Rizhao"),
    c("临沂", "linyi", "Linyi"),
    c("德州", "dezhou", "Dezhou"),
    c("聊城", "liaocheng", "Liaocheng"),
    c("滨州", "binzhou", "Binzhou"),
    c("菏泽", "heze", "Heze"),
    // Henan 河南
    c("郑州", "zhengzhou", "Zhengzhou"),
    c("开封", "kaifeng", "Kaifeng"),
    c("洛阳", "luoyang", "Luoyang"),
    c("平顶山", "pingdingshan", "Pingdingshan"),
    c("安阳", "anyang", "Anyang"),
    c("鹤壁", "hebi", "Hebi"),
    c("新乡", "xinxiang", "Xinxiang"),
    c("焦作", "jiaozuo", "Jiaozuo"),
    c("濮阳", "puyang", "Puyang"),
    c("许昌", "xuchang", "Xuchang"),
    c("漯河", "luohe", "Luohe"),
    c("三门峡", "sanmenxia", "Sanmenxia"),
    c("南阳", "nanyang", "Nanyang"),
    c("商丘", "shangqiu", "Shangqiu"),
    c("信阳", "xinyang", "Xinyang"),
    c("周口", "zhoukou", "Zhoukou"),
    c("驻马店", "zhumadian", "Zhumadian"),
    // Hubei 湖北
    c("武汉", "wuhan", "Wuhan"),
    c("黄石", "huangshi", "Huangshi"),
    c("十堰", "shiyan", "Shiyan"),
    c("宜昌", "yichang", "Yichang"),
    c("襄阳", "xiangyang", "Xiangyang"),
    c("鄂州", "ezhou", "Ezhou"),
    c("荆门", "jingmen", "Jingmen"),
    c("孝感", "xiaogan", "Xiaogan"),
    c("荆州", "jingzhou", "Jingzhou"),
    c("黄冈", "huanggang", "Huanggang"),
    c("咸宁", "xianning", "Xianning"),
    c("随州", "suizhou", "Suizhou"),
    c("恩施", "enshi", "Enshi"),
    // Hunan 湖南
    c("长沙", "changsha", "Changsha"),
    c("株洲", "zhuzhou", "Zhuzhou"),
    c("湘潭", "xiangtan", "Xiangtan"),
    c("衡阳", "hengyang", "Hengyang"),
    c("邵阳", "shaoyang", "Shaoyang"),
    c("岳阳", "yueyang", "Yueyang"),
    c("常德", "changde", "Changde"),
    c("张家界", "zhangjiajie", "Zhangjiajie"),
    c("益阳", "yiyang", "Yiyang"),
    c("郴州", "chenzhou", "Chenzhou"),
    c("永州", "yongzhou", "Yongzhou"),
    c("怀化", "huaihua", "Huaihua"),
    c("娄底", "loudi", "Loudi"),
    c("湘西", "xiangxi", "Xiangxi"),
    // Guangdong 广东
    c("广州", "guangzhou", "Guangzhou"),
    c("韶关", "shaoguan", "Shaoguan"),
    c("深圳", "shenzhen", "Shenzhen"),
    c("珠海", "zhuhai", "Zhuhai"),
    c("汕头", "shantou", "Shantou"),
    c("佛山", "foshan", "Foshan"),
    c("江门", "jiangmen", "Jiangmen"),
    c("湛江", "zhanjiang", "Zhanjiang"),
    c("茂名", "maoming", "Maoming"),
    c("肇庆", "zhaoqing", "Zhaoqing"),
    c("惠州", "huizhou", "Huizhou"),
    c("梅州", "meizhou", "Meizhou"),
    c("汕尾", "shanwei", "Shanwei"),
    c("河源", "heyuan", "Heyuan"),
    c("阳江", "yangjiang", "Yangjiang"),
    c("清远", "qingyuan", "Qingyuan"),
    c("东莞", "dongguan", "Dongguan"),
    c("中山", "zhongshan", "Zhongshan"),
    c("潮州", "chaozhou", "Chaozhou"),
    c("揭阳", "jieyang", "Jieyang"),
    c("云浮", "yunfu", "Yunfu"),
    // Guangxi 广西
    c("南宁", "nanning", "Nanning"),
    c("柳州", "liuzhou", "Liuzhou"),
    c("桂林", "guilin", "Guilin"),
    c("梧州", "wuzhou", "Wuzhou"),
    c("北海", "beihai", "Beihai"),
    c("防城港", "fangchenggang", "Fangchenggang"),
    c("钦州", "qinzhou", "Qinzhou"),
    c("贵港", "guigang", "Guigang"),
    c("玉林", "yulin", "Yulin"),
    c("百色", "baise", "Baise"),
    c("贺州", "hezhou", "Hezhou"),
    c("河池", "hechi", "Hechi"),
    c("来宾", "laibin", "Laibin"),
    c("崇左", "chongzuo", "Chongzuo"),
    // Hainan 海南
    c("海口", "haikou", "Haikou"),
    c("三亚", "sanya", "Sanya"),
    c("三沙", "sansha", "Sansha"),
    c("儋州", "danzhou", "Danzhou"),
    // Sichuan 四川
    c("成都", "chengdu", "Chengdu"),
    c("自贡", "zigong", "Zigong"),
    c("攀枝花", "panzhihua", "Panzhihua"),
    c("泸州", "luzhou", "Luzhou"),
    c("德阳", "deyang", "Deyang"),
    c("绵阳", "mianyang", "Mianyang"),
    c("广元", "guangyuan", "Guangyuan"),
    c("遂宁", "suining", "Suining"),
    c("内江", "neijiang", "Neijiang"),
    c("乐山", "leshan", "Leshan"),
    c("南充", "nanchong", "Nanchong"),
    c("眉山", "meishan", "Meishan"),
    c("宜宾", "yibin", "Yibin"),
    c("广安", "guangan", "Guang'an"),
    c("达州", "dazhou", "Dazhou"),
    c("雅安", "yaan", "Ya'an"),
    c("巴中", "bazhong", "Bazhong"),
    c("资阳", "ziyang", "Ziyang"),
    c("阿坝", "aba", "Ngawa"),
    c("甘孜", "ganzi", "Garze"),
    c("凉山", "liangshan", "Liangshan"),
    // Guizhou 贵州
    c("贵阳", "guiyang", "Guiyang"),
    c("六盘水", "liupanshui", "Liupanshui"),
    c("遵义", "zunyi", "Zunyi"),
    c("安顺", "anshun", "Anshun"),
    c("毕节", "bijie", "Bijie"),
    c("铜仁", "tongren", "Tongren"),
    c("黔西南", "qianxinan", "Qianxinan"),
    c("黔东南", "qiandongnan", "Qiandongnan"),
    c("黔南", "qiannan", "Qiannan"),
    // Yunnan 云南
    c("昆明", "kunming", "Kunming"),
    c("曲靖", "qujing", "Qujing"),
    c("玉溪", "yuxi", "Yuxi"),
    c("保山", "baoshan", "Baoshan"),
    c("昭通", "zhaotong", "Zhaotong"),
    c("丽江", "lijiang", "Lijiang"),
    c("普洱", "puer", "Pu'er"),
    c("临沧", "lincang", "Lincang"),
    c("楚雄", "chuxiong", "Chuxiong"),
    c("红河", "honghe", "Honghe"),
    c("文山", "wenshan", "Wenshan"),
    c("西双版纳", "xishuangbanna", "Xishuangbanna"),
    c("大理", "dali", "Dali"),
    c("德宏", "dehong", "Dehong"),
    c("怒江", "nujiang", "Nujiang"),
    c("迪庆", "diqing", "Diqing"),
    // Tibet 西藏
    c("拉萨", "lasa", "Lhasa"),
    c("日喀则", "rikaze", "Shigatse"),
    c("昌都", "changdu", "Qamdo"),
    c("林芝", "linzhi", "Nyingchi"),
    c("山南", "shannan", "Shannan"),
    c("那曲", "naqu", "Nagqu"),
    c("阿里", "ali", "Ngari"),
    // Shaanxi 陕西
    c("西安", "xian", "Xi'an"),
    c("铜川", "tongchuan", "Tongchuan"),
    c("宝鸡", "baoji", "Baoji"),
    c("咸阳", "xianyang", "Xianyang"),
    c("渭南", "weinan", "Weinan"),
    c("延安", "yanan", "Yan'an"),
    c("汉中", "hanzhong", "Hanzhong"),
    c("榆林", "yulin", "Yulin"),
    c("安康", "ankang", "Ankang"),
    c("商洛", "shangluo", "Shangluo"),
    // Gansu 甘肃
    c("兰州", "lanzhou", "Lanzhou"),
    c("嘉峪关", "jiayuguan", "Jiayuguan"),
    c("金昌", "jinchang", "Jinchang"),
    c("白银", "baiyin", "Baiyin"),
    c("天水", "tianshui", "Tianshui"),
    c("武威", "wuwei", "Wuwei"),
    c("张掖", "zhangye", "Zhangye"),
    c("平凉", "pingliang", "Pingliang"),
    c("酒泉", "jiuquan", "Jiuquan"),
    c("庆阳", "qingyang", "Qingyang"),
    c("定西", "dingxi", "Dingxi"),
    c("陇南", "longnan", "Longnan"),
    c("临夏", "linxia", "Linxia"),
    c("甘南", "gannan", "Gannan"),
    // Qinghai 青海 (海南 here is the Tibetan autonomous prefecture, not the province)
    c("西宁", "xining", "Xining"),
    c("海东", "haidong", "Haidong"),
    c("海北", "haibei", "Haibei"),
    c("黄南", "huangnan", "Huangnan"),
    c("海南", "hainan", "Hainan"),
    c("果洛", "guoluo", "Golog"),
    c("玉树", "yushu", "Yushu"),
    c("海西", "haixi", "Haixi"),
    // Ningxia 宁夏
    c("银川", "yinchuan", "Yinchuan"),
    c("石嘴山", "shizuishan", "Shizuishan"),
    c("吴忠", "wuzhong", "Wuzhong"),
    c("固原", "guyuan", "Guyuan"),
    c("中卫", "zhongwei", "Zhongwei"),
    // Xinjiang 新疆
    c("乌鲁木齐", "wulumuqi", "Urumqi"),
    c("克拉玛依", "kelamayi", "Karamay"),
    c("吐鲁番", "tulufan", "Turpan"),
    c("哈密", "hami", "Hami"),
    c("阿克苏", "akesu", "Aksu"),
    c("喀什", "kashi", "Kashgar"),
    c("和田", "hetian", "Hotan"),
    c("塔城", "tacheng", "Tacheng"),
    c("阿勒泰", "aletai", "Altay"),
    c("昌吉", "changji", "Changji"),
    c("博尔塔拉", "boertala", "Bortala"),
    c("巴音郭楞", "bayinguoleng", "Bayingolin"),
    c("克孜勒苏", "kezilesu", "Kizilsu"),
    c("伊犁", "yili", "Ili"),
    // Special administrative regions
    c("香港", "xianggang", "Hong Kong"),
    c("澳门", "aomen", "Macau"),
    // Taiwan's main cities
    c("台北", "taibei", "Taipei"),
    c("新北", "xinbei", "New Taipei"),
    c("桃园", "taoyuan", "Taoyuan"),
    c("台中", "taizhong", "Taichung"),
    c("台南", "tainan", "Tainan"),
    c("高雄", "gaoxiong", "Kaohsiung"),
    c("基隆", "jilong", "Keelung"),
    c("新竹", "xinzhu", "Hsinchu"),
    c("嘉义", "jiayi", "Chiayi"),
];

/// Other common Latin spellings, as (key, zh); keys in `latin_key` form.
const ALIASES: &[(&str, &str)] = &[("macao", "澳门"), ("chamdo", "昌都")];

/// Suffixes after a short Chinese name that still mean the same division.
const ZH_SUFFIXES: &[&str] = &["市", "地区", "盟", "自治州", "特别行政区"];

/// Last English/pinyin words that still mean the same division.
const LATIN_SUFFIXES: &[&str] = &["city", "shi", "prefecture", "league"];

/// Provinces and autonomous regions as (short, official) names. They may
/// precede a city ("广东省深圳市") but are never a city themselves. The
/// municipalities are left out so "北京朝阳" (a district) is not read as the
/// city 朝阳 in Liaoning.
const PROVINCES: &[(&str, &str)] = &[
    ("河北", "河北省"),
    ("山西", "山西省"),
    ("辽宁", "辽宁省"),
    ("吉林", "吉林省"),
    ("黑龙江", "黑龙江省"),
    ("江苏", "江苏省"),
    ("浙江", "浙江省"),
    ("安徽", "安徽省"),
    ("福建", "福建省"),
    ("江西", "江西省"),
    ("山东", "山东省"),
    ("河南", "河南省"),
    ("湖北", "湖北省"),
    ("湖南", "湖南省"),
    ("广东", "广东省"),
    ("海南", "海南省"),
    ("四川", "四川省"),
    ("贵州", "贵州省"),
    ("云南", "云南省"),
    ("陕西", "陕西省"),
    ("甘肃", "甘肃省"),
    ("青海", "青海省"),
    ("台湾", "台湾省"),
    ("内蒙古", "内蒙古自治区"),
    ("广西", "广西壮族自治区"),
    ("西藏", "西藏自治区"),
    ("宁夏", "宁夏回族自治区"),
    ("新疆", "新疆维吾尔自治区"),
];

/// The short Chinese name for however the city was typed, or the typed text
/// trimmed (whitespace runs collapsed to one space) when it is unknown or
/// ambiguous.
pub fn canonical(typed: &str) -> String {
    match recognise(typed) {
        Some(zh) => zh.to_string(),
        None => typed.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

/// English name of a canonical value, e.g. "西安" → "Xi'an".
pub fn english(zh: &str) -> Option<&'static str> {
    CITIES.iter().find(|c| c.zh == zh).map(|c| c.en)
}

fn recognise(typed: &str) -> Option<&'static str> {
    match_chinese(typed).or_else(|| match_latin(typed))
}

// ---- Chinese ------------------------------------------------------------

fn match_chinese(typed: &str) -> Option<&'static str> {
    let s: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    let s = s.strip_prefix("中国").unwrap_or(&s);
    // Province first: "吉林延边朝鲜族自治州" is 延边, not the city 吉林 with
    // an odd suffix. Bare "吉林市" finds nothing after the province and
    // falls through to the city.
    after_province(s).or_else(|| city_with_suffix(s))
}

/// The city after a leading province name, if there is one.
fn after_province(s: &str) -> Option<&'static str> {
    PROVINCES.iter().find_map(|(short, full)| {
        let rest = s.strip_prefix(full).or_else(|| s.strip_prefix(short))?;
        city_with_suffix(rest)
    })
}

/// A short name followed by nothing, an accepted suffix, or a full
/// autonomous-prefecture name ("大理白族自治州"). The longest short name wins.
fn city_with_suffix(s: &str) -> Option<&'static str> {
    CITIES
        .iter()
        .filter(|c| s.strip_prefix(c.zh).is_some_and(accepted_remainder))
        .max_by_key(|c| c.zh.len())
        .map(|c| c.zh)
}

fn accepted_remainder(rest: &str) -> bool {
    if rest.is_empty() || ZH_SUFFIXES.contains(&rest) {
        return true;
    }
    // "...族自治州": the part before 自治州 names peoples, so it holds no
    // administrative word and does not start with another place.
    match rest.strip_suffix("自治州") {
        Some(peoples) => {
            !peoples.contains(['省', '市', '区', '县', '州', '盟']) && !CITIES.iter().any(|c| peoples.starts_with(c.zh))
        }
        None => false,
    }
}

// ---- English and pinyin -------------------------------------------------

enum Found {
    One(&'static str),
    Ambiguous,
    Nothing,
}

fn match_latin(typed: &str) -> Option<&'static str> {
    // ü is "v" in typed pinyin (lvliang) but "u" in English (Urumqi).
    let mut umlauts = vec!['v'];
    if typed.contains(['ü', 'Ü']) {
        umlauts.push('u');
    }
    for umlaut in umlauts {
        let words = latin_words(typed, umlaut)?;
        for key in latin_keys(&words) {
            match lookup(&key) {
                Found::One(zh) => return Some(zh),
                // Do not try a shorter key: the typed name is ambiguous.
                Found::Ambiguous => return None,
                Found::Nothing => {}
            }
        }
    }
    None
}

/// Lowercase ASCII words, or None if the text is not Latin letters.
/// Full-width forms count as their ASCII twins; apostrophes vanish
/// ("Xi'an" → "xian"); hyphens and underscores separate words.
fn latin_words(typed: &str, umlaut: char) -> Option<Vec<String>> {
    let mut s = String::with_capacity(typed.len());
    for ch in typed.chars().map(half_width) {
        match ch {
            '\'' | '’' | '‘' | '`' | '´' => {}
            '-' | '_' | '‐' | '‑' | '–' | '—' => s.push(' '),
            'ü' | 'Ü' => s.push(umlaut),
            c if c.is_whitespace() || c.is_ascii_alphabetic() => s.push(c.to_ascii_lowercase()),
            _ => return None,
        }
    }
    let words: Vec<String> = s.split_whitespace().map(str::to_string).collect();
    (!words.is_empty()).then_some(words)
}

/// Keys to try, best first: all words joined, then without a trailing
/// "City"/"Shi"/... word. Joining first keeps "Huang Shi" (黄石) intact.
fn latin_keys(words: &[String]) -> Vec<String> {
    let mut keys = vec![words.concat()];
    if let Some((last, head)) = words.split_last() {
        if !head.is_empty() && LATIN_SUFFIXES.contains(&last.as_str()) {
            keys.push(head.concat());
        }
    }
    keys
}

/// U+FF01..U+FF5E are full-width ASCII; U+3000 is the ideographic space.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// The `latin_key` form of an English name: "Hong Kong" → "hongkong".
fn latin_key(name: &str) -> String {
    latin_words(name, 'v').map(|w| w.concat()).unwrap_or_default()
}

fn lookup(key: &str) -> Found {
    let mut found: Option<&'static str> = None;
    let by_name = CITIES.iter().filter(|c| c.pinyin == key || latin_key(c.en) == key).map(|c| c.zh);
    let by_alias = ALIASES.iter().filter(|(k, _)| *k == key).map(|(_, zh)| *zh);
    for zh in by_name.chain(by_alias) {
        match found {
            Some(seen) if seen != zh => return Found::Ambiguous,
            _ => found = Some(zh),
        }
    }
    found.map_or(Found::Nothing, Found::One)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// Pinyin shared by two prefecture-level cities; typed alone these are
    /// ambiguous and kept as typed.
    const PINYIN_COLLISIONS: &[&str] = &["fuzhou", "suzhou", "taizhou", "yichun", "yulin"];

    fn ambiguous(c: &City) -> bool {
        PINYIN_COLLISIONS.contains(&c.pinyin)
    }

    #[test]
    fn shanghai_however_written() {
        for typed in [
            "上海",
            "上海市",
            " 上海 ",
            "Shanghai",
            "shanghai city",
            "SHANGHAI",
            "SHANG HAI",
            "Shanghai Shi",
            "ｓｈａｎｇｈａｉ",
            "\u{3000}Ｓｈａｎｇｈａｉ\u{3000}",
            "中国上海",
        ] {
            assert_eq!(canonical(typed), "上海", "{typed:?}");
        }
    }

    #[test]
    fn chinese_suffixes_and_provinces() {
        let cases = [
            ("北京市", "北京"),
            ("广东省深圳市", "深圳"),
            ("广东深圳", "深圳"),
            ("广东 深圳", "深圳"),
            ("江苏省苏州市", "苏州"),
            ("延边朝鲜族自治州", "延边"),
            ("吉林省延边朝鲜族自治州", "延边"),
            ("吉林延边朝鲜族自治州", "延边"),
            ("大理白族自治州", "大理"),
            ("大理州", "大理州"), // colloquial, not an official suffix: kept
            ("海西蒙古族藏族自治州", "海西"),
            ("伊犁哈萨克自治州", "伊犁"),
            ("广西壮族自治区桂林市", "桂林"),
            ("新疆维吾尔自治区喀什地区", "喀什"),
            ("内蒙古锡林郭勒盟", "锡林郭勒"),
            ("兴安盟", "兴安"),
            ("阿里地区", "阿里"),
            ("吉林市", "吉林"),
            ("吉林省吉林市", "吉林"),
            ("吉林长春", "长春"),
            ("海南省海口市", "海口"),
            ("海南藏族自治州", "海南"),
            ("香港特别行政区", "香港"),
            ("中国香港", "香港"),
            ("台湾省台北市", "台北"),
        ];
        for (typed, want) in cases {
            assert_eq!(canonical(typed), want, "{typed:?}");
        }
    }

    #[test]
    fn latin_spellings() {
        let cases = [
            ("西安", "西安"),
            ("Xi'an", "西安"),
            ("xian", "西安"),
            ("XI’AN CITY", "西安"),
            ("Hong Kong", "香港"),
            ("HongKong", "香港"),
            ("hong-kong", "香港"),
            ("Macao", "澳门"),
            ("Harbin", "哈尔滨"),
            ("haerbin", "哈尔滨"),
            ("Ürümqi", "乌鲁木齐"),
            ("Urumqi", "乌鲁木齐"),
            ("Lüliang", "吕梁"),
            ("lvliang", "吕梁"),
            ("Huang Shi", "黄石"),
            ("Yanbian Prefecture", "延边"),
            ("Xilingol League", "锡林郭勒"),
        ];
        for (typed, want) in cases {
            assert_eq!(canonical(typed), want, "{typed:?}");
        }
    }

    #[test]
    fn ambiguous_pinyin_is_kept_as_typed() {
        assert_eq!(canonical("Suzhou"), "Suzhou");
        assert_eq!(canonical("  suzhou  city "), "suzhou city");
        assert_eq!(canonical("Fuzhou"), "Fuzhou");
        assert_eq!(canonical("Taizhou"), "Taizhou");
        assert_eq!(canonical("Yichun"), "Yichun");
        assert_eq!(canonical("Yulin"), "Yulin");
        // The Chinese names are not ambiguous.
        assert_eq!(canonical("苏州市"), "苏州");
        assert_eq!(canonical("宿州"), "宿州");
    }

    #[test]
    fn unknown_and_provinces_are_kept_as_typed() {
        assert_eq!(canonical("Springfield  town"), "Springfield town");
        assert_eq!(canonical(" 江苏 "), "江苏");
        assert_eq!(canonical("江苏省"), "江苏省");
        assert_eq!(canonical("jiangsu"), "jiangsu");
        assert_eq!(canonical("北京朝阳"), "北京朝阳");
        assert_eq!(canonical("上海市浦东新区"), "上海市浦东新区");
        assert_eq!(canonical(""), "");
        assert_eq!(canonical("   "), "");
    }

    #[test]
    fn english_names() {
        assert_eq!(english("上海"), Some("Shanghai"));
        assert_eq!(english("西安"), Some("Xi'an"));
        assert_eq!(english("香港"), Some("Hong Kong"));
        assert_eq!(english("上海市"), None);
        assert_eq!(english("Springfield"), None);
    }

    #[test]
    fn names_are_unique_except_documented_pinyin_collisions() {
        let zh: BTreeSet<_> = CITIES.iter().map(|c| c.zh).collect();
        assert_eq!(zh.len(), CITIES.len(), "duplicate zh");

        let mut by_pinyin: BTreeMap<&str, usize> = BTreeMap::new();
        for c in CITIES {
            *by_pinyin.entry(c.pinyin).or_default() += 1;
        }
        let shared: Vec<_> = by_pinyin.iter().filter(|(_, n)| **n > 1).map(|(p, _)| *p).collect();
        assert_eq!(shared, PINYIN_COLLISIONS);
    }

    #[test]
    fn table_is_well_formed() {
        for c in CITIES {
            assert!(c.pinyin.bytes().all(|b| b.is_ascii_lowercase()), "{}", c.pinyin);
            assert!(!c.zh.is_empty() && !c.en.is_empty());
            assert!(!ZH_SUFFIXES.iter().any(|s| c.zh.ends_with(s)), "{}", c.zh);
            assert!(!PROVINCES.iter().any(|(_, full)| *full == c.zh));
        }
    }

    #[test]
    fn every_entry_is_recognised() {
        for c in CITIES {
            assert_eq!(canonical(c.zh), c.zh);
            assert_eq!(canonical(&format!("{}市", c.zh)), c.zh);
            if ambiguous(c) {
                assert_eq!(canonical(c.en), c.en, "{}", c.zh);
                assert_eq!(canonical(c.pinyin), c.pinyin, "{}", c.zh);
            } else {
                assert_eq!(canonical(c.en), c.zh, "{}", c.en);
                assert_eq!(canonical(c.pinyin), c.zh, "{}", c.pinyin);
                assert_eq!(canonical(&c.en.to_uppercase()), c.zh, "{}", c.en);
            }
        }
    }

    #[test]
    fn canonical_is_idempotent() {
        let mut inputs: Vec<String> = vec!["Springfield  town".into(), " 江苏 ".into(), "".into()];
        for c in CITIES {
            inputs.extend([c.zh.into(), c.pinyin.into(), c.en.into(), format!("{}市", c.zh)]);
        }
        for typed in inputs {
            let once = canonical(&typed);
            assert_eq!(canonical(&once), once, "{typed:?}");
        }
    }
}
