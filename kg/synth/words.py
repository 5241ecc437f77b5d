"""Word lists for `kg synth`: code names, author names, institutions, title and abstract vocabulary."""
from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _phrases(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.strip().split("|"))


# Code names (`TriShard`, `MagicZoFlow3`) are HEAD + optional MIDDLE + STEM + optional number. HEAD is
# prefix-free and so is MIDDLE together with STEM (in lower case), so a lower-cased code name reads back
# one way only: distinct numbers give distinct names, and so distinct paper titles.
CODE_HEAD = _words("""
    Tri Magic Dream Hyper Omni Flash Deep Turbo Quant Spec Neuro Mobi Astro Lumi Vox Zeta Kilo Giga
    Nano Pico Echo Nova Orbi Pixel Retro Sigma Tera Ultra Vita Wave Xeno Yotta Zen Aero Bio Cyber Dyna
    Evo Geo Helio Iso Jet Kine Lexi Macro Nexa Opti Poly Quasi Robo Strato Techno Velo Holo Proto Meso
""")
CODE_MIDDLE = _words("""
    Zo Ka Ri Mu Qi Yo Xa Lu Bo Ju Ve Do Hu Ny Wu Pe Ce Gu Ix Oz
""")
CODE_STEM = _words("""
    Force Shard Former Net Gen Flow Mind Bench Fuse Splat Diff Lens Graph Coder Tron Pilot Sense Scope
    Weave Forge Pipe Stream Cast Gate Hop Kit Loop Map Path Quill Rank Sail Tide Vault Wing Yarn Tune
    Fold Grid Mesh Spark Chat Agent Search
""")

# Author names by script. Latin parts have distinct, non-empty, hyphen-free ASCII slugs.
LATIN_FIRST = _words("""
    Alice Andrés Anna Antoine Ayşe Beatriz Benoît Björn Camille Carlos Chloé Clément Daniel Dávid
    Elena Élodie Emma Erik Fatima Felipe François Gabriel Gökhan Hannah Héctor Ines Ingrid Isabel
    Jakub Jérôme Jiří João Jonas Jörg Julien Karin Kenji Lars Léa Lena Lucas Luís Maja Manon Marek
    María Mateo Matías Mehmet Miguel Mikael Noémie Nora Oğuz Olivia Óscar Pablo Paula Pierre Raúl
    René Rubén Sara Sebastián Sigrún Simón Sofía Sören Stéphane Tomáš Ugo Valérie Víctor Zoë Zoltán
    Wei Jing Hao Xin Yu Jun Lei Ming Yang Tao Feng Hui Qiang Yan Bo Xiaoming Jiawei Zhiyuan Haotian
    Yuxin Ruoxi Tianyu Shuang Arjun Priya Rahul Ananya Vikram Deepa Aditya Kavya Rohan Sneha Hyun
    Minji Seojun Takumi Yuki Haruka Sota Aiko Kwame Amara Chidi Ngozi Tariq Layla Omar Yasmin Dmitri
    Olga Ivan Natasha Nikos Eleni Giorgos Sinéad Aoife Ciarán Eóin Ruairí Thabo Zanele Marco Giulia
""")
LATIN_LAST = _words("""
    Müller García Martínez Fernández López González Rodríguez Pérez Sánchez Gómez Dubois Lefèvre
    Moreau Girard Rousseau Bonnet Fournier Schäfer Köhler Weiß Hoffmann Schröder Krüger Böhm Jäger
    Nováková Dvořák Horváth Kovács Szabó Nagy Lindqvist Åström Sjöberg Ødegård Hansen Nielsen Jensen
    Kowalski Wiśniewski Wójcik Kamiński Lewandowski Yücel Öztürk Çelik Şahin Doğan Aydemir Costa
    Gonçalves Araújo Conceição Simões Rossi Bianchi Ferrari Esposito Colombo Ricci Marino Greco
    Smith Johnson Brown Taylor Wilson Davies Evans Thomas Roberts Walker Wright Thompson White Harris
    Clarke Lewis Robinson Hall Allen Young King Scott Green Baker Adams Nelson Carter Mitchell Turner
    Zhang Wang Li Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo Zheng Liang
    Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang Yu Du Ye Cheng Wei
    Su Lu Ding Ren Shen Yao Jin Kumar Sharma Singh Patel Gupta Reddy Iyer Nair Rao Mehta Banerjee
    Chatterjee Mukherjee Kim Park Choi Jung Kang Cho Yoon Jang Lim Tanaka Suzuki Takahashi Watanabe
    Itō Yamamoto Nakamura Kobayashi Katō Yoshida Okafor Mensah Adeyemi Abdullah Haddad Nasser Khalil
    Ivanov Petrov Smirnov Volkov Papadopoulos Georgiou Nikolaou Murchú Bhriain MacCárthaigh
""")
# Each is one script; the space, or its absence, is part of the name.
CHINESE_SURNAMES = tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛")
CHINESE_GIVEN = tuple("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建红鹏辉宇浩然博文思远晨阳欣怡子轩梓涵一诺")
JAPANESE_SURNAMES = _words("佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤 清水 山崎 森 池田 橋本 阿部 石川 山下 中島 石井 小川")
JAPANESE_GIVEN = _words("太郎 花子 翔太 結衣 大輔 美咲 健太 陽菜 拓也 さくら 蓮 葵 悠真 凛 湊 結菜 大和 芽衣 颯 美月 健 愛 誠 舞 隆 直樹 由美 和也 真由美 智子")
KOREAN_SURNAMES = tuple("김이박최정강조윤장임한오서신권황안송류홍")
KOREAN_SYLLABLES = tuple("민준서연지우현수예은도윤하진영호성훈미경재")
CYRILLIC_FIRST = _words("Александр Дмитрий Максим Сергей Андрей Алексей Иван Михаил Наталья Елена Ольга Татьяна Анна Мария Ирина Юлия Павел Никита Артём Кирилл")
CYRILLIC_LAST = _words("Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров")
GREEK_FIRST = _words("Γιώργος Νίκος Κώστας Δημήτρης Γιάννης Μαρία Ελένη Αικατερίνη Σοφία Άννα Χρήστος Παναγιώτης")
GREEK_LAST = _words("Παπαδόπουλος Γεωργίου Νικολάου Οικονόμου Αντωνίου Ιωάννου Δημητρίου Κωνσταντίνου Βασιλείου Μακρής Αλεξίου Σταθόπουλος")

# (profile slug, feed organisation line "<handle> <full name>"): both resolve to one institution id.
INSTITUTIONS = (
    ("meta-ai", "facebook AI at Meta"), ("google-deepmind", "deepmind Google DeepMind"),
    ("google", "google Google Research"), ("microsoft-research", "microsoft Microsoft Research"),
    ("openai", "openai OpenAI"), ("nvidia", "nvidia NVIDIA"), ("cmu", "cmu Carnegie Mellon University"),
    ("uw", "uw University of Washington"), ("harvard", "Harvard Harvard University"),
    ("stanford", "stanford Stanford University"), ("mit", "mit Massachusetts Institute of Technology"),
    ("berkeley", "berkeley UC Berkeley"), ("princeton", "princeton Princeton University"),
    ("nyu", "nyu New York University"), ("tsinghua", "THU Tsinghua University"),
    ("pku", "pku Peking University"), ("allenai", "allenai Allen Institute for AI"),
    ("huggingface", "huggingface Hugging Face"), ("alibaba", "Qwen Qwen"),
    ("bytedance", "ByteDance-Seed ByteDance Seed"), ("tencent", "tencent Tencent"),
    ("deepseek", "deepseek-ai DeepSeek"), ("apple", "apple Apple"), ("amazon", "amazon Amazon Science"),
    ("ibm", "ibm-research IBM Research"), ("mila", "mila Mila Quebec AI Institute"),
    ("eth-zurich", "eth-zurich ETH Zürich"), ("epfl", "epfl EPFL"), ("kaist", "kaist KAIST"),
    ("uni-tübingen", "uni-tübingen Universität Tübingen"), ("inria", "inria Inria"),
    ("sjtu", "sjtu Shanghai Jiao Tong University"), ("zju", "zju Zhejiang University"),
    ("ntu", "ntu Nanyang Technological University"), ("ut-austin", "ut-austin UT Austin"),
    ("oxford", "oxford University of Oxford"), ("uoft", "uoft University of Toronto"),
    ("mpi-is", "mpi-is Max Planck Institute for Intelligent Systems"), ("kyoto-u", "kyoto-u 京都大学"),
    ("snu", "snu 서울대학교"), ("hse", "hse Высшая школа экономики"), ("naver", "naver NAVER AI Lab"),
    ("université-paris-saclay", "université-paris-saclay Université Paris-Saclay"),
)

# (code, weight): the arXiv categories profile headers show.
CATEGORIES = (("LG", 30), ("CL", 20), ("CV", 20), ("AI", 10), ("RO", 4), ("IR", 3), ("NE", 2), ("CR", 2),
              ("SD", 2), ("DC", 2), ("ML", 3), ("PL", 1), ("HC", 1))

ADJECTIVES = _phrases("""
    Efficient | Scalable | Robust | Provable | Self-Supervised | Multilingual | Zero-Shot | Lightweight |
    Adaptive | Hierarchical | Unified | Sparse | Differentiable | Causal | Interpretable | Private |
    Memory-Efficient | Long-Horizon | Open-Vocabulary | Training-Free | Data-Efficient | Faithful |
    Calibrated | Compositional | Continual | Federated | Equivariant | Naïve | Fréchet-Regularised |
    Lévy-Driven | Möbius-Invariant | Communication-Efficient | Fine-Grained | Generalizable | Secure
""")
METHODS = _phrases("""
    Transformers | Diffusion Models | Graph Neural Networks | Language Models | Mixture-of-Experts |
    State Space Models | Vision-Language Models | Reinforcement Learning | Contrastive Learning |
    Sparse Attention | Neural Radiance Fields | Gaussian Splatting | Low-Rank Adaptation |
    Speculative Decoding | Retrieval-Augmented Generation | Knowledge Distillation | Flow Matching |
    Schrödinger Bridges | Poincaré Embeddings | Gödel Machines | β-VAEs | Kernel Methods |
    Normalizing Flows | Reward Models | Quantized Networks | Neural Operators | Energy-Based Models |
    Policy Gradients | Bayesian Optimization | Spiking Networks | Hypernetworks | Optimal Transport
""")
TASKS = _phrases("""
    Long-Context Retrieval | Video Generation | Code Synthesis | Protein Folding | Semantic Segmentation |
    Machine Translation | Recommender Systems | Point Cloud Registration | Mathematical Reasoning |
    Robot Manipulation | Speech Recognition | Text-to-Image Synthesis | Question Answering |
    Anomaly Detection | Weather Forecasting | Drug Discovery | Autonomous Driving | Theorem Proving |
    Instruction Following | Embodied Navigation | Depth Estimation | Time-Series Forecasting |
    Molecule Generation | Tabular Prediction | Hand Pose Estimation | Map Optimization | Ranking |
    Hyperparameter Tuning | Embedding Table Placement | Café Menu Understanding
""")
DOMAINS = _phrases("""
    the Wild | Edge Devices | Low-Resource Languages | Scientific Literature | Medical Imaging |
    Satellite Imagery | Legal Documents | Financial Markets | Multi-Agent Systems | Open-World Games |
    Wikipedia | Chemistry | Materials Science | Particle Physics | Electronic Health Records | 中文 Text
""")
PROPERTIES = _phrases("""
    Training Dynamics | Implicit Bias | Scaling Laws | Sample Complexity | Generalization |
    Robustness | Expressivity | Calibration | Memorization | Emergent Abilities | Loss Landscape
""")
TITLE_TEMPLATES = _phrases("""
    {code}: {adj} {method} for {task} |
    {code}: Towards {adj} {task} with {method} |
    {adj} {method} for {task} with {code} |
    {code}: A {adj} Benchmark for {task} in {domain} |
    Scaling {method} to {domain} with {code} |
    {code}: Understanding the {prop} of {method} |
    {code}: {adj} and {adj2} {task} via {method} |
    {code}: Learning {task} from {domain} Data |
    Rethinking {task} for {domain}: {code} |
    {code}: Do {method} Really Understand {task}? |
    {code}-Based {adj} {task} |
    On the {prop} of {method}: Evidence from {code}
""")

# Abstract sentences: filled once per corpus into a bank the abstracts draw from.
SENTENCE_TEMPLATES = _phrases("""
    Recent advances in {method} have enabled remarkable progress on {task}, yet their cost grows quickly with the size of the input. |
    However, existing approaches to {task} rely on hand-crafted heuristics that fail to transfer across {domain}. |
    We observe that the {prop} of {method} is poorly understood, which makes it hard to choose hyper-parameters in practice. |
    To address this issue, we propose {a_adj} framework that decouples representation learning from the downstream objective. |
    Our method combines {method} with a lightweight controller that adapts the computation budget to each example. |
    Extensive experiments on {n} benchmarks show consistent improvements of up to {pct}% over strong baselines. |
    On {task}, our approach reduces memory usage by {x}× while matching the accuracy of the full model. |
    We further provide a theoretical analysis showing that the estimator is unbiased and converges at a rate of O(1/√T). |
    Ablation studies confirm that each component contributes, and that the gains persist across model sizes from {m}M to {b}B parameters. |
    Compared with prior work, our approach requires no additional labels and runs in linear time in the sequence length. |
    We release a new dataset of {k} thousand annotated examples drawn from {domain}, covering {n} languages and domains. |
    Surprisingly, a simple {adj} baseline outperforms more complex {method} when the training data are noisy. |
    Our results suggest that {task} benefits more from better data curation than from larger architectures. |
    The resulting models achieve state-of-the-art results on {task} with {x}× fewer parameters and {pct}% lower latency. |
    We characterise when {method} fail, identifying a phase transition that depends on the ratio of width to depth. |
    In contrast to earlier pipelines, the whole system is trained end to end with a single objective and no auxiliary losses. |
    Human evaluations with {n} annotators indicate that outputs are preferred in {pct}% of pairwise comparisons. |
    Finally, we discuss limitations, including the reliance on English-centric pre-training data and the cost of inference. |
    We show that the learned representations transfer to {domain} without fine-tuning, improving accuracy by {pct} points. |
    Our analysis reveals that the attention maps concentrate on a handful of tokens, which we exploit to prune {pct}% of the computation. |
    Beyond accuracy, the method improves calibration, lowering the expected calibration error from 0.{m} to 0.0{n}. |
    We formalise {task} as a constrained optimisation problem and solve it with a primal–dual algorithm that scales to millions of variables. |
    These findings hold for both synthetic data and real-world workloads from {domain}, suggesting broad applicability. |
    The approach is naïve to implement, requiring fewer than {m} lines of code on top of standard libraries. |
    We also study the trade-off between speed and quality, finding a sweet spot at roughly {pct}% sparsity. |
    Experiments in Zürich, São Paulo and Kraków show that the deployed system remains robust under distribution shift. |
    Using a curriculum over task difficulty, training converges {x}× faster and reaches a higher final reward. |
    We find that scaling the number of experts yields diminishing returns beyond {n}, contrary to common belief. |
    Our benchmark exposes large gaps between open and closed models, especially on multi-step reasoning about {task}. |
    We hope that this work will encourage further research on {adj} {method} and their applications to {domain}.
""")
OPENINGS = _phrases("""
    We introduce {code}, {a_adj} approach to {task} built on {method}. |
    This paper presents {code}, which brings {method} to {task} at scale. |
    We study {task} and propose {code}, a simple recipe based on {method}. |
    {code} is {a_adj} system for {task} that rethinks how {method} are trained.
""")
# Abbreviations of some methods: an abstract on the method defines it ("Graph Neural Networks (GNNs)")
# and uses it again; some other abstracts use one without defining it.
ABBREVIATIONS = {
    "Graph Neural Networks": "GNNs", "Language Models": "LMs", "Mixture-of-Experts": "MoE",
    "State Space Models": "SSMs", "Vision-Language Models": "VLMs", "Reinforcement Learning": "RL",
    "Neural Radiance Fields": "NeRFs", "Low-Rank Adaptation": "LoRA", "Retrieval-Augmented Generation": "RAG",
    "Knowledge Distillation": "KD", "Energy-Based Models": "EBMs", "Optimal Transport": "OT",
}
# The other thing some abstracts define an abbreviation as: the corpus gives it two long forms (docs/topics.md).
OTHER_LONG_FORMS = {"RL": "Representation Learning", "LMs": "Large Models"}
ABBREVIATION_SENTENCES = _phrases("""
    We show that {abbr} trained this way stay stable across seeds. |
    In our setting, {abbr} need far less tuning than the baselines. |
    The same recipe carries over to larger {abbr} without changes.
""")
UNDEFINED_SENTENCES = _phrases("""
    Unlike most {abbr} pipelines, ours needs no extra labels. |
    We also compare against strong {abbr} baselines.
""")
SUBDIRS = ("src", "examples", "projects/demo", "benchmarks", "scripts/train", "docs")
SHARED_REPO_NAMES = ("toolkit", "benchmarks", "models", "research-code", "lab-projects", "experiments")
# Popular repositories many papers build on: (url path, host).
FAMOUS_REPOS = (
    ("huggingface/transformers", "github.com"), ("pytorch/pytorch", "github.com"),
    ("facebookresearch/fairseq", "github.com"), ("google-research/bert", "github.com"),
    ("openai/CLIP", "github.com"), ("vllm-project/vllm", "github.com"),
    ("EleutherAI/lm-evaluation-harness", "github.com"), ("meta-llama/Llama-2-7b-hf", "huggingface.co"),
    ("datasets/HuggingFaceFW/fineweb", "huggingface.co"), ("microsoft/DeepSpeed", "github.com"),
    ("NVIDIA/Megatron-LM", "github.com"), ("google/jax", "github.com"),
)
